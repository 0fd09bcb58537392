/**
 * Preloaded (`node --import`) into the benchmark's runner process, which runs the TypeScript
 * sources with Node's type transform: the sources import each other as `./X.js` (NodeNext style),
 * so a relative `.js` specifier with no file on disk is resolved to the `.ts` file next to it.
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
