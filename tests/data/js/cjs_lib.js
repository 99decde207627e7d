exports.add = (a, b) => a + b;
exports.later = (v, ms) => new Promise((resolve) => setTimeout(() => resolve(v), ms));
