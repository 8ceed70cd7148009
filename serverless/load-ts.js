'use strict';
// Loads a TypeScript module of the project from the stack's JS parts: where TypeScript already
// loads (jest) the module itself, under `serverless package` through tsx's require hook. So the
// package checks with the very code that runs in the functions and on the instances.
function loadTs(fromFile, specifier) {
  try {
    return require(require('node:path').resolve(require('node:path').dirname(fromFile), specifier));
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    return require('tsx/cjs/api').require(`${specifier}.ts`, fromFile);
  }
}

module.exports = { loadTs };
