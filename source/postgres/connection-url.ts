import { DatabaseError } from './errors.js';
import { maskUrlPasswords } from '../text/redact.js';

// libpq connection URIs (postgres:// or postgresql://), parsed the way libpq
// does: percent-decoding everywhere, an empty host meaning "the default socket",
// query parameters (host=/run/postgresql, sslmode=…) overriding the URL parts.
// We parse by hand because WHATWG URL rejects `user:pw@/db` (credentials
// without a host), which is exactly how socket URLs are usually written.

export interface ConnectionUrl {
	user?: string;
	password?: string;
	/** TCP host name/IP, or an absolute unix-socket directory. */
	host?: string;
	port?: number;
	database?: string;
	sslmode?: string;
}

const URI = /^(postgres(?:ql)?):\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?(?:#.*)?$/i;

export function redactUrl(url: string): string {
	return maskUrlPasswords(url);
}

function decode(part: string, url: string): string {
	try {
		return decodeURIComponent(part);
	} catch {
		throw new DatabaseError('bad-url', `malformed database URL ${redactUrl(url)}: bad percent-encoding`);
	}
}

function parsePort(value: string, url: string): number {
	const port = Number(value);
	if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
		throw new DatabaseError('bad-url', `malformed database URL ${redactUrl(url)}: bad port "${value}"`);
	}
	return port;
}

/** First host of a possibly comma-separated list; IPv6 literals come in brackets. */
function splitHostPort(hostport: string, url: string): { host?: string; port?: number } {
	const first = hostport.split(',')[0] ?? '';
	const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(first);
	if (bracketed) {
		return { host: bracketed[1] || undefined, port: bracketed[2] ? parsePort(bracketed[2], url) : undefined };
	}
	const colon = first.lastIndexOf(':');
	const host = colon >= 0 ? first.slice(0, colon) : first;
	const port = colon >= 0 && first.slice(colon + 1) !== '' ? parsePort(first.slice(colon + 1), url) : undefined;
	return { host: host ? decode(host, url) : undefined, port };
}

export function parseConnectionUrl(url: string): ConnectionUrl {
	const match = URI.exec(url.trim());
	if (!match) {
		throw new DatabaseError('bad-url', `not a postgres:// URL: ${redactUrl(url)}`);
	}
	const [, , authority = '', path, query] = match;
	const out: ConnectionUrl = {};
	const at = authority.lastIndexOf('@');
	const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
	const hostport = at >= 0 ? authority.slice(at + 1) : authority;
	if (userinfo !== undefined) {
		const colon = userinfo.indexOf(':');
		const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
		if (user) out.user = decode(user, url);
		if (colon >= 0) out.password = decode(userinfo.slice(colon + 1), url);
	}
	Object.assign(out, splitHostPort(hostport, url));
	if (path) out.database = decode(path, url);
	for (const pair of (query ?? '').split('&').filter(Boolean)) {
		const eq = pair.indexOf('=');
		const key = decode(eq >= 0 ? pair.slice(0, eq) : pair, url);
		const value = decode(eq >= 0 ? pair.slice(eq + 1) : '', url);
		switch (key) {
			case 'host':
			case 'hostaddr':
				if (value) out.host = value.split(',')[0];
				break;
			case 'port':
				if (value) out.port = parsePort(value.split(',')[0] ?? '', url);
				break;
			case 'user':
				out.user = value;
				break;
			case 'password':
				out.password = value;
				break;
			case 'dbname':
				out.database = value;
				break;
			case 'sslmode':
				out.sslmode = value;
				break;
			default:
				// Other libpq options (connect_timeout, application_name…) do not
				// change which database we back up.
				break;
		}
	}
	for (const key of Object.keys(out) as Array<keyof ConnectionUrl>) {
		if (out[key] === undefined) delete out[key];
	}
	return out;
}

/**
 * The inverse of parseConnectionUrl, for a database given in parts (env keys,
 * a connection string): every part percent-encoded, so a password with `@`,
 * `:`, `/` or `%` comes back as it went in; a socket directory goes in ?host=.
 */
export function formatConnectionUrl(parts: ConnectionUrl): string {
	const enc = encodeURIComponent;
	const userinfo = parts.user !== undefined || parts.password !== undefined ? `${enc(parts.user ?? '')}${parts.password !== undefined ? `:${enc(parts.password)}` : ''}@` : '';
	const socket = parts.host?.startsWith('/');
	const host = !parts.host || socket ? '' : parts.host.includes(':') ? `[${parts.host}]` : enc(parts.host);
	const port = parts.port !== undefined && !socket ? `:${parts.port}` : '';
	const query = [socket ? `host=${enc(parts.host!)}` : '', socket && parts.port !== undefined ? `port=${parts.port}` : '', parts.sslmode ? `sslmode=${enc(parts.sslmode)}` : ''].filter(Boolean).join('&');
	return `postgresql://${userinfo}${host}${port}/${enc(parts.database ?? '')}${query ? `?${query}` : ''}`;
}
