// The construct library: the package's main export (`import { TokenGate } from 'tokengate'`).

export { DENY_REASONS, type DenyReason, ROTATIONS, type Rotation } from '#spec/metrics';

import type { ErrorBodyShape } from '#spec/functions';

export type {
  ErrorBodyShape,
  FunctionDef,
  FunctionNeeds,
  HttpFunctionDef,
  TableAction,
} from '#spec/functions';

/** @deprecated Renamed `ErrorBodyShape`, which says what it is: the shape of a function's error bodies. */
export type ErrorFace = ErrorBodyShape;

export type { Access, HttpMethod, Route, Throttle } from '#spec/routes';
export type { Catalogue, CatalogueGrant, CatalogueScope } from '#spec/scopes';
export { AuditStream, type AuditStreamProps } from './audit';
export {
  type AnyApiAuthorizerProps,
  AnyHttpApiAuthorizer,
  AnyRestApiAuthorizer,
  type ITokenAuthorizerSource,
} from './authorizers';
export { TokenGateConsole, type TokenGateConsoleOptions, type TokenGateConsoleProps } from './console';
export { ExpiryWarnings, type ExpiryWarningsProps } from './expiry';
export {
  DEFAULT_FIREWALL_RATE_LIMIT,
  type TokenGateFirewallProps,
  TokenGateWebAcl,
  type TokenGateWebAclProps,
} from './firewall';
export {
  FUNCTION_TAG,
  LogLevel,
  TokenGateFunction,
  type TokenGateFunctionOverrides,
  type TokenGateFunctionProps,
} from './function';
export { bindNeeds, needsConfig, type TokenGateResources } from './grants';
export {
  ALARM_TAG,
  ALARMS,
  AUDIT_ITERATOR_AGE_THRESHOLD_MS,
  AUTHORIZER_P99_THRESHOLD_MS,
  TokenGateMonitoring,
  type TokenGateMonitoringProps,
} from './monitoring';
export {
  addRoutes,
  type TokenGateDomainProps,
  TokenGateRestApi,
  type TokenGateRestApiProps,
} from './rest-api';
export { RotatedToken, type RotatedTokenProps, type RotatedTokenScope } from './rotated-token';
export {
  type SignInSettings,
  type TokenGateIdentityProvider,
  TokenGateUserPool,
  type TokenGateUserPoolProps,
} from './sign-in';
export { TokenGateStack, type TokenGateStackProps } from './stack';
export { KEY_RING_TEMPLATE, MAX_CATALOGUE_BYTES, TokenGate, type TokenGateProps } from './token-gate';
