// Typed errors of the network layer. One class with a stable code per kind of problem, so the
// CLI renders them like every other TscError and callers can compare `code`.
import { TscError } from '../schema/errors.ts';

export type NetErrorCode =
  | 'NET_BAD_ADDRESS'      // an address or CIDR that does not parse
  | 'NET_OVERLAP'          // two networks' subnets overlap
  | 'NET_POOL_EXHAUSTED'   // no free subnet left in the pool
  | 'NET_NO_ADDRESS'       // a subnet has no free address, or a requested one is taken / outside
  | 'NET_NOT_FOUND'        // an external network or a network by name that does not exist
  | 'NET_IN_USE'           // removing a network that containers still use
  | 'NET_PORT_CONFLICT'    // a published port is already bound
  | 'NET_COMMAND'          // `ip` / `nft` refused a batch
  | 'NET_MODE';            // a network_mode that cannot be honoured

export class NetError extends TscError {
  constructor(code: NetErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
