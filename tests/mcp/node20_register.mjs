// node20_register.mjs — `node --import` this to run @modelcontextprotocol/conformance 0.1.16
// on Node 20: its bundle imports fs.globSync (Node 22+), used only by `tier-check`. The
// loader (node20_loader.mjs) gives that one import a small recursive-walk stand-in.
import { register } from "node:module";

register("./node20_loader.mjs", import.meta.url);
