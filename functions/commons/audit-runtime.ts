// The audit store of this process, built once at module load from the environment. The audit
// functions need neither the tokens table nor the HMAC key, so they do not load runtime.ts.
import { auditStore } from '../../shared/clients';
import { readAuditConfig } from '../../shared/config';

export const auditConfig = readAuditConfig();
export const audit = auditStore(auditConfig);
