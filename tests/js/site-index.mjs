// Loads a built site's search index in Node the way a browser does: each index file is a script,
// run here in a vm context, that leaves its payload in globalThis.KB_SEARCH_SHARDS.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import vm from 'node:vm';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corePath = join(repo, 'themes', 'default', 'static', 'js', 'search-core.js');

/** search-core.js as a CommonJS module. */
export function loadCore() {
  return createRequire(import.meta.url)(corePath);
}

/** The payload of one index file of `siteDir`, run as a script. */
export function readIndexFile(siteDir, path) {
  const context = vm.createContext({});
  vm.runInContext(readFileSync(join(siteDir, 'search', path), 'utf8'), context);
  return context.KB_SEARCH_SHARDS[path];
}

/** Every document of the index in `siteDir`: { url, title, section, text }. */
export function allDocs(siteDir) {
  const m = readIndexFile(siteDir, 'index.js');
  const docs = [];
  for (let i = 0; docs.length < m.docs; i++) {
    for (const [url, title, section, text] of readIndexFile(siteDir, `d/${i}.js`)) docs.push({ url, title, section, text });
  }
  return docs;
}

/**
 * A searcher over the index in `siteDir`/search. `loaded` lists the files read, in order, with
 * their sizes, so that tests and benchmarks see what a query downloads.
 */
export function siteSearcher(siteDir, core = loadCore()) {
  const context = vm.createContext({});
  const loaded = [];
  const load = (path) => {
    const file = join(siteDir, 'search', path);
    const bytes = readFileSync(file);
    loaded.push({ path, bytes });
    vm.runInContext(bytes.toString('utf8'), context, { filename: file });
    const shards = context.KB_SEARCH_SHARDS;
    const payload = shards[path];
    delete shards[path];
    if (payload === undefined) throw new Error(`${path} did not define its payload`);
    return payload;
  };
  return { searcher: core.createSearcher(load), loaded };
}
