import { API_SCOPES, REMOVAL_STATES } from "~/db/schema";

/**
 * The OpenAPI 3.1 description of the sightings API, served at
 * /api/v1/openapi.json. A test keeps its record fields in step with the
 * validation in ingest.server.ts.
 */
const MAX_BATCH = 1000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const dateTime = (description: string) => ({ type: "string", format: "date-time", description });
const nullable = (schema: Record<string, unknown>) => ({ ...schema, type: [schema.type as string, "null"] });

const problem = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

export function openApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Reclaim sightings API",
      version: "1.0.0",
      summary: "Report where known child sexual abuse material was found, and whether it was removed.",
      description: [
        "Reporting organisations (hotlines, providers, the EU Centre's report system) send sightings in batches of up to",
        `${MAX_BATCH}. A sighting is identified by the sending organisation and its own \`source_ref\`: sending the same`,
        "`source_ref` again never creates a second sighting. It updates the removal state, the forwarding, the law-enforcement",
        "hold and the provider, and leaves the rest as it is (hashes, address and report date cannot change). This is also how",
        "removals are reported: send `{\"source_ref\": …, \"removal_state\": \"removed\", \"removed_at\": …}`.",
        "",
        "Every record is checked on its own. Valid records are stored together in one transaction. Invalid ones are returned by",
        "their index in the batch, with reasons, and nothing of them is stored. A retry of the same batch is always safe.",
      ].join("\n"),
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/sightings": {
        post: {
          operationId: "postSightings",
          summary: "Report sightings, or changes to sightings reported before",
          description: `Scopes: \`sightings:write\` to report new sightings; \`removals:write\` (or \`sightings:write\`) to change existing ones. The body may be at most ${MAX_BODY_BYTES} bytes.`,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/Batch" },
                examples: {
                  report: {
                    summary: "Two new sightings",
                    value: {
                      sightings: [
                        {
                          source_ref: "HL-2026-000123",
                          provider: { name: "Example Hosting B.V.", country: "NL" },
                          url: "https://files.example.net/a/1.jpg",
                          sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                          reported_at: "2026-11-20T09:30:00Z",
                          forwarded_to: ["Politie (NL)"],
                          forwarded_at: "2026-11-20T12:00:00Z",
                        },
                        {
                          source_ref: "HL-2026-000124",
                          provider: { name: "Example Hosting B.V.", country: "NL" },
                          url: "https://files.example.net/a/2.jpg",
                          pdq: "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
                          pdq_quality: 100,
                          reported_at: "2026-11-20T09:31:00Z",
                        },
                      ],
                    },
                  },
                  removal: {
                    summary: "A removal",
                    value: { sightings: [{ source_ref: "HL-2026-000123", removal_state: "removed", removed_at: "2026-11-21T08:00:00Z" }] },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "The batch was processed: each valid record is stored, each invalid one is listed in `errors`.",
              content: { "application/json": { schema: { $ref: "#/components/schemas/BatchResult" } } },
            },
            "400": problem("The body is not JSON or not a batch, or the batch is empty."),
            "401": problem("No API key, or one that is unknown or revoked."),
            "403": problem("The API key has no scope for sightings."),
            "405": problem("Only POST is accepted."),
            "413": problem(`The body is larger than ${MAX_BODY_BYTES} bytes, or the batch holds more than ${MAX_BATCH} sightings.`),
            "415": problem("The body is not application/json."),
            "503": problem("The batch could not be stored now; nothing of it was. Send it again later (see Retry-After)."),
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "getOpenApi",
          summary: "This document",
          security: [],
          responses: { "200": { description: "The OpenAPI document.", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: `An organisation's API key (\`rk_…\`), from \`npx reclaim apikey:create --org ORG\`. Scopes: ${API_SCOPES.join(", ")}.`,
        },
      },
      schemas: {
        Batch: {
          type: "object",
          required: ["sightings"],
          additionalProperties: false,
          properties: { sightings: { type: "array", minItems: 1, maxItems: MAX_BATCH, items: { $ref: "#/components/schemas/Sighting" } } },
        },
        Sighting: {
          type: "object",
          description:
            "A new sighting needs `source_ref`, `reported_at` and at least one of `url`, `pdq`, `sha256`, `md5`. A record whose `source_ref` was sent before updates that sighting.",
          required: ["source_ref"],
          additionalProperties: false,
          properties: {
            source_ref: { type: "string", minLength: 1, maxLength: 200, description: "The sender's own id of the report: sightings are unique per organisation and source_ref." },
            provider_id: nullable({ type: "string", format: "uuid", description: "A provider of the directory, by id." }),
            provider: {
              type: ["object", "null"],
              description: "The hosting or online service provider, by name and country; added to the directory when new. Give this or provider_id.",
              required: ["name", "country"],
              additionalProperties: false,
              properties: {
                name: { type: "string", minLength: 1, maxLength: 200 },
                country: { type: "string", pattern: "^[A-Za-z]{2}$", description: "ISO 3166-1 alpha-2." },
              },
            },
            url: nullable({ type: "string", maxLength: 2048, description: "Where the material was found (http or https). Never shown to a requester." }),
            pdq: nullable({ type: "string", pattern: "^[0-9a-fA-F]{64}$", description: "PDQ perceptual hash (256 bits, hex)." }),
            pdq_quality: nullable({ type: "integer", minimum: 0, maximum: 100, description: "PDQ quality; hashes below 50 are stored but not matched." }),
            sha256: nullable({ type: "string", pattern: "^[0-9a-fA-F]{64}$" }),
            md5: nullable({ type: "string", pattern: "^[0-9a-fA-F]{32}$" }),
            reported_at: dateTime("When the material was reported (with a time zone). Required for a new sighting."),
            forwarded_to: { type: "array", maxItems: 20, items: { type: "string", minLength: 1, maxLength: 200 }, description: "The authorities the report was forwarded to." },
            forwarded_at: nullable(dateTime("When it was forwarded.")),
            removal_state: { type: "string", enum: [...REMOVAL_STATES], description: "Default for a new sighting: online." },
            removed_at: nullable(dateTime("When it was removed; defaults to the time of the request when removal_state becomes removed.")),
            withheld_until: nullable(dateTime("Law enforcement asked to hold information and removal back until then (at most 18 months after the report). null lifts the hold.")),
          },
        },
        BatchResult: {
          type: "object",
          required: ["created", "updated", "unchanged", "rejected", "results", "errors"],
          properties: {
            created: { type: "integer", minimum: 0 },
            updated: { type: "integer", minimum: 0 },
            unchanged: { type: "integer", minimum: 0 },
            rejected: { type: "integer", minimum: 0 },
            results: {
              type: "array",
              items: {
                type: "object",
                required: ["index", "source_ref", "status", "id"],
                properties: {
                  index: { type: "integer", minimum: 0, description: "Position in the batch, from 0." },
                  source_ref: { type: "string" },
                  status: { type: "string", enum: ["created", "updated", "unchanged"] },
                  id: { type: "string", format: "uuid" },
                },
              },
            },
            errors: {
              type: "array",
              items: {
                type: "object",
                required: ["index", "source_ref", "errors"],
                properties: {
                  index: { type: "integer", minimum: 0 },
                  source_ref: { type: ["string", "null"] },
                  errors: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["field", "code", "message"],
                      properties: {
                        field: { type: "string" },
                        code: {
                          type: "string",
                          enum: ["not_object", "required", "invalid", "unknown_field", "too_long", "no_identifier", "future", "withheld_too_long", "immutable", "unknown_source_ref", "unknown_provider", "scope"],
                        },
                        message: { type: "string" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        Problem: {
          type: "object",
          required: ["error", "message"],
          properties: { error: { type: "string" }, message: { type: "string" } },
        },
      },
    },
  } as const;
}
