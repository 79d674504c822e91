#!/usr/bin/env node
// Transpile the vendored CCF GCP sources (gcp/src, unmodified, Apache-2.0; see gcp/README.md) to
// CommonJS with the pinned typescript, using the compiler options of CCF's root tsconfig.json at the
// vendored commit (module commonjs, target ES2021, esModuleInterop). Type-only imports (the BigQuery
// client types) are elided by the compiler, so no Google SDK is needed.
// usage: node build_gcp.js <node_modules> <out dir>
'use strict'
const fs = require('fs')
const path = require('path')

const [modules, out] = process.argv.slice(2)
const ts = require(path.join(modules, 'typescript'))
const src = path.join(__dirname, 'gcp', 'src')
const options = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2021,
  esModuleInterop: true,
  preserveConstEnums: true,
  experimentalDecorators: true,
  downlevelIteration: true,
}
for (const dir of fs.readdirSync(src)) {
  for (const file of fs.readdirSync(path.join(src, dir))) {
    if (!file.endsWith('.ts')) continue
    const text = fs.readFileSync(path.join(src, dir, file), 'utf8')
    const res = ts.transpileModule(text, { compilerOptions: options, fileName: file, reportDiagnostics: true })
    if (res.diagnostics && res.diagnostics.length) {
      const msg = res.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n')
      throw new Error(`${dir}/${file}: ${msg}`)
    }
    fs.mkdirSync(path.join(out, dir), { recursive: true })
    fs.writeFileSync(path.join(out, dir, file.replace(/\.ts$/, '.js')), res.outputText)
  }
}
