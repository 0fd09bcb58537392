/**
 * Column values as the two databases hand them back: PostgreSQL returns `BIGINT` columns as
 * strings (they may exceed 2^53), SQLite as numbers. Every epoch-millisecond and counter column of
 * the engine fits a double, so both are read into a `number`.
 */
import { Schema, SchemaTransformation } from "effect"

/** An integer column read as a number, whether the driver gave a number, a bigint or a decimal string. */
export const Int = Schema.Union([Schema.Number, Schema.String, Schema.BigInt]).pipe(
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transform<number, number | string | bigint>({
      decode: (value) => Number(value),
      encode: (value) => value
    })
  )
)

/** A nullable integer column. */
export const NullableInt = Schema.NullOr(Int)
