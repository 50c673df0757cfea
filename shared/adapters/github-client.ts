import { createPrivateKey } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import packageJson from '../../package.json' with { type: 'json' };

/** How Infrastream signs in to GitHub: as one installation of its GitHub App. */
export interface GitHubAppOptions {
  /** The App's numeric id, from its settings page. */
  readonly appId: number | string;
  /** The App's private key, PEM (PKCS#1 as GitHub downloads it, or PKCS#8). */
  readonly privateKey: string;
  /** The installation on the organization that owns the manifest repository. */
  readonly installationId: number | string;
  /** The REST API root: `https://api.github.com` unless GitHub Enterprise Server. */
  readonly baseUrl?: string;
}

const DEFAULT_BASE_URL = 'https://api.github.com';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const POSITIVE_INTEGER = /^[1-9][0-9]{0,15}$/;

/**
 * Creates an Octokit client that authenticates as the App installation: it signs a short
 * JWT with the private key, exchanges it for an installation token and renews the token
 * before it expires. Bad options fail here, not at the first request.
 */
export function createGitHubClient(options: GitHubAppOptions): Octokit {
  const appId = positiveInteger('appId', options.appId);
  const installationId = positiveInteger('installationId', options.installationId);
  const privateKey = rsaPrivateKey(options.privateKey);
  const baseUrl = apiRoot(options.baseUrl ?? DEFAULT_BASE_URL);
  return new Octokit({
    baseUrl,
    userAgent: `infrastream/${packageJson.version}`,
    authStrategy: createAppAuth,
    auth: { appId, privateKey, installationId },
    // A failed request reaches the caller as a GitHubError that says what it was for; Octokit's
    // own line per failure would log expected answers (a moved branch) as errors.
    log: { debug: ignore, info: ignore, warn: console.warn.bind(console), error: ignore },
  });
}

function ignore(): void {
  // Deliberately nothing.
}

function positiveInteger(option: string, value: number | string): number {
  const text = String(value).trim();
  if (!POSITIVE_INTEGER.test(text)) {
    throw new Error(`GitHub App option ${option}: expected a positive integer, found "${text}"`);
  }
  return Number(text);
}

function rsaPrivateKey(pem: string): string {
  // Keys kept in environment variables often have their line breaks escaped.
  const text = pem.replace(/\\n/g, '\n').trim();
  if (!text.startsWith('-----BEGIN')) {
    throw new Error(
      'GitHub App option privateKey: expected a PEM private key ("-----BEGIN RSA PRIVATE KEY-----" ' +
        `or "-----BEGIN PRIVATE KEY-----"), found text starting with "${text.slice(0, 16)}"`,
    );
  }
  let keyType: string | undefined;
  try {
    keyType = createPrivateKey(text).asymmetricKeyType;
  } catch (error) {
    throw new Error(
      `GitHub App option privateKey: not a readable PEM private key (${(error as Error).message})`,
      { cause: error },
    );
  }
  // GitHub signs App JWTs with RS256 only.
  if (keyType !== 'rsa') {
    throw new Error(
      `GitHub App option privateKey: expected an RSA key, found ${keyType ?? 'an unknown'} key`,
    );
  }
  return `${text}\n`;
}

function apiRoot(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`GitHub App option baseUrl: expected an http(s) URL, found "${value}"`);
  }
  // Tokens travel in clear over http: only to this machine, where tests run their server.
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(
      `GitHub App option baseUrl: expected an https URL (http only on 127.0.0.1, ::1 or localhost), found "${value}"`,
    );
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(
      `GitHub App option baseUrl: expected an API root without query, fragment or credentials, found "${value}"`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Where people read GitHub Enterprise Server, from its API root (`https://host/api/v3`). */
export function gitHubWebRoot(apiUrl: string): string {
  const url = new URL(apiUrl);
  return url.hostname === 'api.github.com'
    ? 'https://github.com'
    : `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '')}`;
}
