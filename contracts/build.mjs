// Compiles src/*.sol with the pinned npm solc (no compiler download) through the standard-JSON API and writes the
// ABI, bytecode and a build record to the output directory (default: build/). The settings below are the whole
// build configuration: the same sources always give the same bytecode.
//
//   node build.mjs [outDir]
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, 'build'));

export const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'ipfs' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const sources = {};
for (const file of readdirSync(join(here, 'src')).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: readFileSync(join(here, 'src', file), 'utf8') };
}

// Imports such as @openzeppelin/contracts/... resolve from this package's node_modules only.
function findImports(path) {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `import not found: ${path}` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: SETTINGS }), {
  import: findImports,
}));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

mkdirSync(outDir, { recursive: true });
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
for (const file of Object.keys(sources)) {
  for (const [name, contract] of Object.entries(output.contracts[file])) {
    const abi = JSON.stringify(contract.abi);
    const bytecode = contract.evm.bytecode.object;
    writeFileSync(join(outDir, `${name}.abi`), abi);
    writeFileSync(join(outDir, `${name}.bin`), bytecode);
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify({
      contractName: name,
      compiler: `solc ${solc.version()}`,
      settings: SETTINGS,
      sources: Object.fromEntries(Object.entries(sources).map(([f, s]) => [f, sha256(s.content)])),
      abi: contract.abi,
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      bytecodeSha256: sha256(bytecode),
    }, null, 2) + '\n');
    console.log(`${name}: ${bytecode.length / 2} bytes, sha256 ${sha256(bytecode)} -> ${outDir}`);
  }
}
