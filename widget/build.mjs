// Bundle src/ (and the socket.io client) into dist/city311-widget.js; print its size.
import { build, context } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const options = {
  entryPoints: ["src/index.js"],
  outfile: "dist/city311-widget.js",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2019"],
  sourcemap: "linked",
  legalComments: "eof",
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const ctx = await context(options);
  await ctx.watch();
  console.log("watching src/ ...");
} else {
  await build(options);
  const bytes = readFileSync(options.outfile);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `${options.outfile}: ${kb(bytes.length)} raw, ${kb(gzipSync(bytes, { level: 9 }).length)} gzipped`,
  );
}
