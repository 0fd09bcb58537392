/**
 * Property tests explore new random cases on every developer run, but CI must give the same answer
 * for the same commit: under `CI=true` fast-check runs from a fixed seed (override with
 * `FC_SEED=<n>`). A failure prints its seed and counterexample; pin such cases as `examples`.
 */
import fc from "fast-check"

const seed = process.env["FC_SEED"] ?? (process.env["CI"] === "true" ? "20261122" : undefined)
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) })
