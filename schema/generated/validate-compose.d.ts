// Types of the generated ajv validator module (see schema/gen-validator.ts).
export declare const validate: (data: unknown) => boolean;
export declare const schema: unknown;
export declare const defs: Record<string, unknown>;
declare const _default: typeof validate;
export default _default;
