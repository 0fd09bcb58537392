/**
 * Preloaded (`node --import`) into a child process that runs the runner's TypeScript sources with
 * Node's type transform (the benchmark's runner and fake vendor): the sources import each other as
 * `./X.js`, as TypeScript's NodeNext resolution wants, so a relative `.js` specifier with no file on
 * disk is resolved to the `.ts` file next to it. Everything else resolves as usual (workspace
 * packages through the `@plugboard/source` condition).
 */
import { existsSync } from "node:fs"
import { registerHooks } from "node:module"
import { fileURLToPath } from "node:url"

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../")
      if (!relative || !specifier.endsWith(".js") || context.parentURL === undefined) throw error
      const source = new URL(`${specifier.slice(0, -".js".length)}.ts`, context.parentURL)
      if (!existsSync(fileURLToPath(source))) throw error
      return nextResolve(source.href, context)
    }
  }
})
