// The layering of DESIGN.md §2, enforced: the engine is a library that knows nothing of its faces,
// and the webview runs in a browser where Node built-ins do not exist. The scripts (test command,
// benchmarks) are plain JavaScript no compiler checks, so they get ESLint's recommended rules.
import tseslint from 'typescript-eslint';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// `eslint:recommended` is the core rules whose docs say recommended; @eslint/js, which ships that
// list as a config, is not a dependency.
const recommended = Object.fromEntries([...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']));
const nodeGlobals = Object.fromEntries(['process', 'console', 'Buffer', 'URL', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'globalThis', 'structuredClone'].map((name) => [name, 'readonly']));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '**/*.js'] },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: nodeGlobals },
    rules: recommended,
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The engine must not depend on VS Code (DESIGN.md §2).' }],
        patterns: [
          { group: ['**/extension', '**/extension/**', '**/cli', '**/cli/**', '**/webview', '**/webview/**', '**/protocol', '**/protocol/**'],
            message: 'The engine imports nothing from extension, cli, protocol or webview (DESIGN.md §2).' },
        ],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview talks to the host only through src/protocol.' }, ...nodeBuiltins.map((name) => ({ name, message: 'The webview runs in a browser: no Node built-ins.' }))],
        patterns: [{ group: ['**/src/engine/**', '**/src/extension/**', '**/src/cli/**'], message: 'The webview imports only the protocol module.' }],
      }],
    },
  },
);
