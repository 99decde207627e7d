console.log("ready");
setTimeout(() => { let n = 0; for (;;) n++; }, 10);
