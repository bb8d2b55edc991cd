#!/usr/bin/env node
// Checks that dist/ works offline and from the Rust server's routes: both pages exist, every
// script, stylesheet and preload they reference is an absolute /assets/… URL of a file that
// exists, and no file in dist/ mentions a CDN host. Exits non-zero, listing every problem.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

// Hosts that serve npm packages or web fonts to browsers: none may appear anywhere in dist/.
const CDN = [
  'unpkg.com',
  'cdn.jsdelivr.net',
  'jsdelivr.com',
  'esm.sh',
  'esm.run',
  'cdnjs.cloudflare.com',
  'cdn.skypack.dev',
  'ga.jspm.io',
  'jspm.dev',
  'fonts.googleapis.com',
  'fonts.gstatic.com',
  'embed.graphql.com',
];
const TEXT = /\.(html|js|mjs|css|json|map|svg|txt|webmanifest)$/;

const problems = [];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

if (!existsSync(dist)) {
  console.error(`check-offline: ${dist} does not exist; run \`npm run build\` first`);
  process.exit(1);
}

for (const page of ['index.html', 'graphiql.html']) {
  const path = join(dist, page);
  if (!existsSync(path)) {
    problems.push(`${page} is missing`);
    continue;
  }
  const html = readFileSync(path, 'utf8');
  const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]);
  if (!refs.some((ref) => ref.endsWith('.js'))) {
    problems.push(`${page} loads no script`);
  }
  for (const ref of refs) {
    if (!ref.startsWith('/assets/')) {
      problems.push(`${page} references ${ref}: every asset must be an absolute /assets/… URL`);
    } else if (!existsSync(join(dist, ref))) {
      problems.push(`${page} references ${ref}, which is not in dist/`);
    }
  }
}

let files = 0;
for (const path of walk(dist)) {
  if (!TEXT.test(path)) continue;
  files += 1;
  const text = readFileSync(path, 'utf8');
  for (const host of CDN) {
    const at = text.indexOf(host);
    if (at >= 0) {
      const context = text.slice(Math.max(0, at - 60), at + host.length + 40).replace(/\s+/g, ' ');
      problems.push(`${relative(dist, path)} mentions ${host}: …${context}…`);
    }
  }
}

if (problems.length > 0) {
  console.error(`check-offline: ${problems.length} problem(s) in dist/:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`check-offline: ok (${files} text files in dist/, no CDN host, every page asset under /assets/)`);
