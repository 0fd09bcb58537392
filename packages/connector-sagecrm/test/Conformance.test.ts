/**
 * The connector conformance suite of `@plugboard/testkit` against the fake Sage CRM. The seed
 * configurations are the element's published `POST /instances` examples (the instance body and the
 * curl example of the authentication page, and the configuration its response shows).
 */
import { Conformance } from "@plugboard/testkit"
import { SageCrm } from "../src/index.js"
import { type FakeSageCrm, startFakeSageCrm } from "../src/testing.js"

/** The hub resources over their SData entities, with what a seeded record carries and what a change sets. */
const entities: Readonly<
  Record<
    string,
    {
      readonly entity: string
      readonly idField: string
      readonly fields: (n: number) => Readonly<Record<string, unknown>>
      readonly change: Readonly<Record<string, unknown>>
    }
  >
> = {
  accounts: {
    entity: "Company",
    idField: "comp_companyid",
    fields: (n) => ({ comp_name: `Conformance Company ${n}`, comp_type: "Customer" }),
    change: { comp_status: "Inactive" }
  },
  contacts: {
    entity: "Person",
    idField: "pers_personid",
    fields: (n) => ({ pers_firstname: "Ada", pers_lastname: `Conformance ${n}` }),
    change: { pers_title: "CFO" }
  },
  leads: {
    entity: "Lead",
    idField: "lead_leadid",
    fields: (n) => ({ lead_description: `Conformance lead ${n}`, lead_stage: "Prospect" }),
    change: { lead_stage: "Qualified" }
  },
  opportunities: {
    entity: "Opportunity",
    idField: "oppo_opportunityid",
    fields: (n) => ({ oppo_description: `Conformance deal ${n}`, oppo_forecast: 1000 + n }),
    change: { oppo_stage: "Negotiating" }
  },
  users: {
    entity: "Users",
    idField: "user_userid",
    fields: (n) => ({ user_logon: `conformance${n}`, user_lastname: `User ${n}` }),
    change: { user_department: "Sales" }
  }
}

const entityOf = (resource: string) => {
  const found = entities[resource]
  if (found === undefined) throw new TypeError(`the Sage CRM harness has no entity for '${resource}'`)
  return found
}

const password = "Adm1n-conformance-pw"

const ids = (fake: FakeSageCrm, resource: string): ReadonlyArray<string> => {
  const { entity, idField } = entityOf(resource)
  return fake.store.list(entity).map((record) => String(record[idField]))
}

const start = async (): Promise<Conformance.FakeVendor> => {
  const fake = await startFakeSageCrm({ username: "admin", password })
  const configuration = {
    subdomain: fake.host,
    username: "admin",
    password,
    "base.url": fake.baseUrl
  }
  return {
    configuration,
    badConfiguration: { ...configuration, password: "wr0ng-conformance-pw" },
    seed: async (resource, count) => {
      const { entity, fields } = entityOf(resource)
      for (let n = ids(fake, resource).length; n < count; n++) fake.store.insert(entity, fields(n))
      return ids(fake, resource)
    },
    touch: async (resource, id) => {
      const { entity, change } = entityOf(resource)
      fake.store.update(entity, id, change)
    },
    now: () => fake.store.clock.now().getTime(),
    advance: (millis) => fake.store.clock.advance(millis),
    close: () => fake.close()
  }
}

Conformance.run({
  connector: SageCrm,
  seedConfigurations: [
    {
      name: "instance body of the authentication page",
      configuration: {
        subdomain: "sagecrm-0.<YOUR_TENANT>.com",
        username: "<YOUR_USERNAME>",
        password: "<YOUR_PASSWORD>"
      }
    },
    {
      name: "curl example of the authentication page",
      configuration: {
        subdomain: "sagecrm-0.cloud-elements.com",
        username: "XXXXXX",
        password: "XXXXXXXXXX"
      }
    },
    {
      name: "configuration of the instance response",
      configuration: {
        "base.url": "https://{subdomain}/sdata/crmj/sagecrm2/-",
        "bulk.add_metadata": null,
        "bulk.query.field_name": "replaceMe",
        "pagination.max": "200",
        "bulk.accounts.attribute.created_time": "Comp_UpdatedDate",
        "event.vendor.type": "polling",
        "bulk.query.operator": ">=",
        "bulk.query.date_mask": "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "bulk.query.download_format": "JSON",
        password: "********",
        "bulk.contacts.attribute.created_time": "Pers_UpdatedDate",
        "pagination.type": "cursor",
        "bulk.relations": null,
        "event.poller.refresh_interval": "15",
        "event.notification.callback.url": null,
        subdomain: "sagecrm-0.cloud-elements.com",
        "bulk.leads.attribute.created_time": "Lead_UpdatedDate",
        "bulk.users.attribute.created_time": "User_UpdatedDate",
        "bulk.opportunities.attribute.created_time": "Oppo_UpdatedDate",
        "bulk.query.update": "true",
        "event.poller.configuration": "{ }",
        username: "xxxxx",
        "event.notification.enabled": "false"
      }
    }
  ],
  start
})
