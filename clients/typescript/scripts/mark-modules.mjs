// The package is "type": "module"; dist/cjs is marked CommonJS so `require` loads it as such.
import { existsSync, writeFileSync } from "node:fs";

if (existsSync("dist/cjs")) writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
