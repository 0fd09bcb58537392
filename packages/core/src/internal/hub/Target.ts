/**
 * What a hub name refers to at the vendor: a normalized resource, a child collection of one, or a
 * vendor object reached through the connector's `objects` templates. A target knows its paths,
 * verbs, envelope and body conventions; asking for a name the connector lacks, or a verb the
 * target does not allow, fails with a message listing what exists.
 */
import { Effect } from "effect"
import * as Connector from "../../Connector.js"
import * as ConnectorError from "../../ConnectorError.js"
import * as HubRequestError from "../../HubRequestError.js"
import type * as Paging from "../../Paging.js"
import type * as Resource from "../../Resource.js"

/** A resolved hub name. */
export interface Target {
  /** How the hub calls it (`accounts`, `accounts/{id}/contacts`, an object name). */
  readonly name: string
  readonly path: string
  /** Item path template with `{id}`. */
  readonly itemPath: string
  readonly verbs: ReadonlyArray<Resource.Verb>
  readonly envelope: Paging.Envelope
  readonly query: Readonly<Record<string, string>>
  readonly createDefaults: Readonly<Record<string, unknown>>
  readonly bodyKey: string | undefined
  /** Dotted path of the id in records, when known. */
  readonly idField: string | undefined
  /** The resource's own declaration, for resources (not objects or children). */
  readonly resource: Resource.Resource | undefined
}

const pagingEnvelope = (paging: Paging.Paging): Paging.Envelope =>
  paging.total === undefined ? { items: paging.items } : { items: paging.items, total: paging.total }

const list = (names: ReadonlyArray<string>): string => (names.length === 0 ? "none" : names.join(", "))

const objectName = /^[A-Za-z0-9_$~.-]+$/

/** Checks a vendor object name from the caller: one safe path segment. */
const usableName = (parameter: string, name: string): HubRequestError.HubRequestError | undefined =>
  objectName.test(name) && name !== "." && name !== ".."
    ? undefined
    : HubRequestError.make(
        parameter,
        `'${name}' is not a usable object name (letters, digits and _ $ ~ . - only)`
      )

/** A child collection: listed only, without the create/body conventions of a resource. */
const childTarget = (
  parentName: string,
  child: string,
  path: string,
  envelope: Paging.Envelope,
  idField: string | undefined
): Target => ({
  name: `${parentName}/{id}/${child}`,
  path,
  itemPath: `${path}/{id}`,
  verbs: ["list"],
  envelope,
  query: {},
  createDefaults: {},
  bodyKey: undefined,
  idField,
  resource: undefined
})

/** Fills an item path's `{id}` with the URL-encoded id; inside `'{id}'` a quote is doubled, as SData/OData keys want. */
export const fillId = (template: string, id: string): string =>
  template
    .replaceAll("'{id}'", () => `'${encodeURIComponent(id.replaceAll("'", "''"))}'`)
    .replaceAll("{id}", () => encodeURIComponent(id))

/** Checks an object id from the caller: a non-empty string. */
export const checkId = (id: string): Effect.Effect<string, HubRequestError.HubRequestError> =>
  id === "" ? Effect.fail(HubRequestError.make("id", "the object id must not be empty")) : Effect.succeed(id)

/**
 * Resolves a hub resource name: a declared resource, else a vendor object when the connector has
 * `objects`, else `NotFound` naming the resources that exist.
 */
export const resolve = (
  connector: Connector.Connector,
  name: string
): Effect.Effect<Target, ConnectorError.ConnectorError | HubRequestError.HubRequestError> =>
  Effect.suspend(
    (): Effect.Effect<Target, ConnectorError.ConnectorError | HubRequestError.HubRequestError> => {
      const resource = Connector.resource(connector, name)
      if (resource !== undefined) {
        return Effect.succeed({
          name,
          path: resource.path,
          itemPath: resource.itemPath,
          verbs: resource.verbs,
          envelope: resource.envelope ?? pagingEnvelope(connector.paging),
          query: resource.query,
          createDefaults: resource.createDefaults,
          bodyKey: resource.bodyKey,
          idField: resource.id,
          resource
        })
      }
      const objects = connector.objects
      if (objects === undefined) {
        return Effect.fail(
          ConnectorError.make(
            new ConnectorError.NotFound({
              message:
                `${connector.key} has no resource '${name}' in hub ${connector.hub}; ` +
                `its resources are ${list(Object.keys(connector.resources))}`
            }),
            `resolve ${name}`
          )
        )
      }
      const unusable = usableName("objectName", name)
      if (unusable !== undefined) return Effect.fail(unusable)
      const encoded = encodeURIComponent(name)
      return Effect.succeed({
        name,
        path: objects.path.replaceAll("{objectName}", encoded),
        itemPath: objects.itemPath.replaceAll("{objectName}", encoded),
        verbs: objects.verbs,
        envelope: pagingEnvelope(connector.paging),
        query: {},
        createDefaults: {},
        bodyKey: undefined,
        idField: objects.id,
        resource: undefined
      })
    }
  )

/**
 * Resolves a child collection `{resource}/{id}/{child}` of a declared resource, or of a vendor object
 * when the connector declares `objects.childPath`.
 */
export const resolveChild = (
  connector: Connector.Connector,
  parent: Target,
  id: string,
  child: string
): Effect.Effect<Target, ConnectorError.ConnectorError | HubRequestError.HubRequestError> =>
  Effect.suspend(
    (): Effect.Effect<Target, ConnectorError.ConnectorError | HubRequestError.HubRequestError> => {
      const children = parent.resource?.children ?? {}
      const declared = Object.hasOwn(children, child) ? children[child] : undefined
      const objects = connector.objects
      // A vendor object (no declared resource) reaches its children through the connector's template.
      if (declared === undefined && parent.resource === undefined && objects?.childPath !== undefined) {
        const unusable = usableName("childObjectName", child)
        if (unusable !== undefined) return Effect.fail(unusable)
        const path = fillId(
          objects.childPath
            .replaceAll("{objectName}", encodeURIComponent(parent.name))
            .replaceAll("{childObjectName}", encodeURIComponent(child)),
          id
        )
        return Effect.succeed(
          childTarget(parent.name, child, path, pagingEnvelope(connector.paging), objects.id)
        )
      }
      if (declared === undefined) {
        return Effect.fail(
          ConnectorError.make(
            new ConnectorError.NotFound({
              message: `${parent.name} has no child collection '${child}'; its children are ${list(Object.keys(children))}`
            }),
            `resolve ${parent.name}/{id}/${child}`
          )
        )
      }
      return Effect.succeed(
        childTarget(
          parent.name,
          child,
          fillId(declared.path, id),
          declared.envelope ?? pagingEnvelope(connector.paging),
          declared.id
        )
      )
    }
  )

/** Fails with `Unsupported` naming the allowed verbs when the target does not allow `verb`. */
export const allow = (
  target: Target,
  verb: Resource.Verb
): Effect.Effect<void, ConnectorError.ConnectorError> =>
  target.verbs.includes(verb)
    ? Effect.void
    : Effect.fail(
        ConnectorError.make(
          new ConnectorError.Unsupported({
            message: `${target.name} does not allow ${verb}; it allows ${list(target.verbs)}`
          }),
          `${verb} ${target.name}`
        )
      )
