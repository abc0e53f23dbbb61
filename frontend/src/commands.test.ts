// Every `recsys <command>` the app (or the docs it points to) tells people to
// run must exist: the evaluation page once said `recsys evaluate`, which is
// not a command. Commands are named in code style (<code> or backticks); the
// list of real ones is read from the CLI's own usage text.
/// <reference types="node" />
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

/** Files under dir (recursively) whose names match. */
function files(dir: string, match: RegExp): string[] {
  return readdirSync(join(repo, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && match.test(e.name))
    .map((e) => relative(repo, join(e.parentPath, e.name)));
}

const cli = read('cli/main.c');
const texts: Record<string, string> = Object.fromEntries(
  [
    ...files('frontend/src', /^(?!.*\.test\.).*\.tsx?$/),
    ...files('docs', /\.md$/),
    'README.md',
    'scripts/run',
  ].map((f) => [f, read(f)]),
);

/** "  eval        run the offline evaluation sweep\n" lines of usage_main(). */
function cliCommands(source: string): Set<string> {
  const usage = source.slice(source.indexOf('commands:'));
  return new Set([...usage.matchAll(/^\s*"\s{2}([a-z]+)\s{2,}/gm)].map((m) => m[1]!));
}

function mentioned(text: string): string[] {
  return [...text.matchAll(/(?:<code>|`)(?:\S*\/)?recsys ([a-z][a-z-]*)/g)].map((m) => m[1]!);
}

describe('commands named in messages', () => {
  const commands = cliCommands(cli);

  it('reads the CLI command list', () => {
    expect([...commands]).toEqual(expect.arrayContaining(['serve', 'eval', 'prepare', 'train']));
    expect(commands.has('evaluate')).toBe(false);
  });

  it('finds mentions in code style, with or without a path', () => {
    expect(mentioned('run <code>build/recsys eval --out x</code> or `recsys serve`')).toEqual([
      'eval',
      'serve',
    ]);
  });

  it('names only commands that exist', () => {
    expect(Object.keys(texts).length).toBeGreaterThan(20);
    const wrong = Object.entries(texts).flatMap(([file, text]) =>
      mentioned(text)
        .filter((c) => !commands.has(c))
        .map((c) => `${file}: recsys ${c}`),
    );
    expect(wrong).toEqual([]);
  });

  it('the evaluation page names the command that refreshes the report', () => {
    const page = texts['frontend/src/pages/evaluation/EvaluationPage.tsx'] ?? '';
    expect(mentioned(page)).toContain('eval');
  });
});
