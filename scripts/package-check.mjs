// Checks what one public package would publish: packs it with pnpm (which applies publishConfig and
// rewrites workspace: ranges, as `pnpm publish` does), then checks the tarball itself, not the
// source tree: our own rules on the packed package.json and contents, publint, and
// are-the-types-wrong. Run from a package directory (`pnpm run package:check` there, or
// `turbo run package:check`); expects `dist` to be built. Exits non-zero on any problem.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"

const root = new URL("..", import.meta.url).pathname
const bin = (name) => join(root, "node_modules", ".bin", name)
const packageDir = process.cwd()
const source = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"))

if (source.private === true) {
  console.log(`package-check: ${source.name} is private, nothing to check`)
  process.exit(0)
}

const problems = []
const work = mkdtempSync(join(tmpdir(), "plugboard-package-check-"))
try {
  const tarball = pack()
  const unpacked = join(work, "unpacked")
  mkdirSync(unpacked)
  execFileSync("tar", ["-xzf", tarball, "-C", unpacked])
  const contents = join(unpacked, "package")
  const manifest = JSON.parse(readFileSync(join(contents, "package.json"), "utf8"))
  const files = listFiles(contents)

  checkManifest(manifest, files)
  checkImports(
    manifest,
    files.filter((file) => /\.(m?js|d\.m?ts)$/.test(file)).map((f) => join(contents, f))
  )
  checkBins(manifest, contents)

  const size = files.reduce((sum, file) => sum + statSync(join(contents, file)).size, 0)
  console.log(
    `package-check: ${manifest.name}@${manifest.version}: ${files.length} files, ${kb(size)} unpacked`
  )

  run("publint", [bin("publint"), "run", tarball, "--strict"])
  run("are-the-types-wrong", [
    bin("attw"),
    tarball,
    "--profile",
    "esm-only",
    "--format",
    "table-flipped",
    "--no-color",
    "--no-emoji"
  ])
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (problems.length > 0) {
  console.error(`package-check: ${source.name} is not ready to publish:`)
  for (const problem of problems) console.error(`  - ${problem}`)
  process.exit(1)
}
console.log(`package-check: ${source.name} ok`)

/** Packs the package as `pnpm publish` would and returns the tarball's path. */
function pack() {
  let output
  try {
    output = execFileSync("pnpm", ["pack", "--pack-destination", work, "--json"], {
      cwd: packageDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"]
    })
  } catch (error) {
    console.error(`package-check: pnpm pack failed for ${source.name}:\n${error.stdout ?? error.message}`)
    process.exit(1)
  }
  return JSON.parse(output).filename
}

/** The packed package.json must be what a registry user should get. */
function checkManifest(manifest, files) {
  const expectDirectory = relative(root, packageDir)
  if (manifest.type !== "module") problems.push(`"type" must be "module" (ESM only)`)
  if (!Array.isArray(manifest.files)) problems.push(`"files" whitelist is missing`)
  if (manifest.sideEffects === undefined) problems.push(`"sideEffects" is missing`)
  if (typeof manifest.license !== "string") problems.push(`"license" is missing`)
  if (manifest.repository?.directory !== expectDirectory) {
    problems.push(`"repository.directory" must be "${expectDirectory}"`)
  }
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0)
    problems.push(`"keywords" is empty`)
  if (typeof manifest.engines?.node !== "string") problems.push(`"engines.node" is missing`)
  if (typeof manifest.description !== "string") problems.push(`"description" is missing`)
  if (manifest.exports?.["./internal/*"] !== null)
    problems.push(`"exports" must block "./internal/*" with null`)
  const exportsText = JSON.stringify(manifest.exports ?? {})
  if (exportsText.includes("@plugboard/source") || exportsText.includes("./src/")) {
    problems.push(`packed "exports" still point at sources (publishConfig.exports not applied)`)
  }
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|catalog|link|file):/.test(range))
        problems.push(`${field}.${name} is "${range}" in the tarball`)
    }
  }
  if (!files.includes("README.md")) problems.push("README.md is not in the tarball")
  const stray = files.filter((file) => /^(src|test|bench)\//.test(file) || file.includes("tsconfig"))
  if (stray.length > 0) problems.push(`the tarball ships development files: ${stray.join(", ")}`)
}

/**
 * Every bare import in the shipped JavaScript and declarations must be declared, so an npm user
 * gets it installed; and a library (no `bin`) takes `effect` and `@plugboard/*` as peers, so the
 * application holds one copy of each (Effect's services are matched by identity).
 */
function checkImports(manifest, paths) {
  const dependencies = Object.keys(manifest.dependencies ?? {})
  const peers = Object.keys(manifest.peerDependencies ?? {})
  const optional = Object.keys(manifest.optionalDependencies ?? {})
  const builtins = new Set(builtinModules)
  const imported = new Set()
  // Statements only (a line starting with import/export, up to its `from`), side-effect imports and
  // dynamic `import("…")`: the word "from" followed by a quote inside a string literal is no import.
  const specifiers = [
    /^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"'./][^"']*)["']/gm,
    /^\s*import\s*["']([^"'./][^"']*)["']/gm,
    /\bimport\s*\(\s*["']([^"'./][^"']*)["']\s*\)/g
  ]
  for (const path of paths) {
    const text = readFileSync(path, "utf8")
    for (const match of specifiers.flatMap((specifier) => [...text.matchAll(specifier)])) {
      const name = match[1].startsWith("@")
        ? match[1].split("/").slice(0, 2).join("/")
        : match[1].split("/")[0]
      // `node:sqlite` and other prefix-only built-ins are listed with their prefix.
      const builtin = builtins.has(name) || builtins.has(name.replace(/^node:/, ""))
      if (!builtin && name !== manifest.name) imported.add(name)
    }
  }
  for (const name of imported) {
    if (![...dependencies, ...peers, ...optional].includes(name)) {
      problems.push(`"${name}" is imported by the shipped files but not declared as a dependency or peer`)
    }
    const shared = name === "effect" || name.startsWith("@plugboard/")
    if (shared && manifest.bin === undefined && !peers.includes(name)) {
      problems.push(`"${name}" must be a peerDependency of a library`)
    }
  }
}

/** Each `bin` target is shipped and starts with a node shebang, or npm's shim cannot run it. */
function checkBins(manifest, contents) {
  const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {})
  for (const [name, target] of Object.entries(bins)) {
    const path = join(contents, target)
    if (!existsSync(path)) problems.push(`bin "${name}" points at ${target}, which is not in the tarball`)
    else if (!readFileSync(path, "utf8").startsWith("#!/usr/bin/env node")) {
      problems.push(`bin "${name}" (${target}) does not start with "#!/usr/bin/env node"`)
    }
  }
}

function run(label, [command, ...args]) {
  try {
    execFileSync(command, args, { cwd: packageDir, stdio: "inherit" })
  } catch {
    problems.push(`${label} reported problems (see above)`)
  }
}

function listFiles(dir, prefix = "") {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(dir, join(prefix, entry.name))
      : [join(prefix, entry.name).split("\\").join("/")]
  )
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`
}
