// Never ends on its own: `promethean run --timeout` must stop it.
console.log('started');
let n = 0;
for (;;) n++;
