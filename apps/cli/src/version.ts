// The version is injected at bundle time (build.mjs `define`); tests that import the source see
// the development marker instead.
declare const XRD_VERSION: string | undefined;

export const VERSION: string = typeof XRD_VERSION === 'string' ? XRD_VERSION : '0.0.0-dev';
