import { fromEnv } from '@aws-sdk/credential-provider-env';

// Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (esbuild alias in
// infra/build.ts). Lambda always hands the function's role credentials over in environment
// variables, so the default chain's SSO, INI, process and web-identity providers (about half
// of every bundle) would never run there: dropping them shortens every cold start.
export const defaultProvider = () => fromEnv();
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
