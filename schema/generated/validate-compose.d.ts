// Types of the generated ajv validator module (see schema/gen-validator.ts).
export declare const validate: (data: unknown) => boolean;
export declare const schema: unknown;
declare const _default: typeof validate;
export default _default;
