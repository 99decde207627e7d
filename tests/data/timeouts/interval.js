// The script's code ends at once, but its event loop keeps running for ever.
console.log('started');
setInterval(() => {}, 50);
