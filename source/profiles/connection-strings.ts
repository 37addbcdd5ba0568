import type { ConnectionUrl } from '../postgres/connection-url.js';
import type { ConnectionDialect } from './database-schema.js';

// Key=value connection strings as apps keep them in one env var: Npgsql's
// (`Host=db;Username=app;Password="a;b"`, .NET apps), libpq's
// (`host=db user=app password='a b'`) and SQL Server's (`Data Source=...`),
// which is recognised only to be refused: the wizard backs up PostgreSQL.
// Parsed by their own quoting rules because a password may hold any of them;
// error messages never quote a value (it may be the password).

/** A SQL Server string keeps only its password: to be masked wherever the string might show. */
export type ParsedConnection = { kind: 'postgres'; parts: ConnectionUrl } | { kind: 'sqlserver'; password?: string };

export class ConnectionStringError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConnectionStringError';
	}
}

/** One env value in its dialect; a SQL Server string is `sqlserver` whatever dialect the profile named. */
export function parseConnectionString(text: string, dialect: ConnectionDialect): ParsedConnection {
	if (dialect === 'libpq') return { kind: 'postgres', parts: fromPairs(libpqPairs(text), LIBPQ_KEYS) };
	const pairs = npgsqlPairs(text);
	if (dialect === 'sqlserver' || isSqlServer(pairs)) {
		const password = fromPairs(pairs.filter(([key]) => NPGSQL_KEYS[normalKey(key)] === 'password'), NPGSQL_KEYS).password;
		return password === undefined ? { kind: 'sqlserver' } : { kind: 'sqlserver', password };
	}
	return { kind: 'postgres', parts: fromPairs(pairs, NPGSQL_KEYS) };
}

type Part = 'host' | 'port' | 'database' | 'user' | 'password';

// Keys compared lower-case with spaces removed (Npgsql ignores case; "User Id" = "UserId").
const NPGSQL_KEYS: Record<string, Part> = {
	host: 'host',
	server: 'host',
	port: 'port',
	database: 'database',
	db: 'database',
	initialcatalog: 'database',
	username: 'user',
	userid: 'user',
	user: 'user',
	uid: 'user',
	password: 'password',
	pwd: 'password',
	psw: 'password',
};
const LIBPQ_KEYS: Record<string, Part> = { host: 'host', hostaddr: 'host', port: 'port', dbname: 'database', user: 'user', password: 'password' };

// Keys and values only SQL Server's SqlClient uses: an npgsql-dialect string
// carrying them is a SQL Server database named under the wrong dialect.
const SQLSERVER_KEYS = new Set(['datasource', 'trustedconnection', 'integratedsecurity', 'multipleactiveresultsets', 'networklibrary', 'address', 'addr', 'networkaddress']);

function normalKey(key: string): string {
	return key.toLowerCase().replace(/[\s_]+/g, '');
}

function isSqlServer(pairs: Array<[string, string]>): boolean {
	return pairs.some(([key, value]) => SQLSERVER_KEYS.has(normalKey(key)) || (NPGSQL_KEYS[normalKey(key)] === 'host' && /^(tcp:|np:|lpc:)|\\/i.test(value)));
}

function fromPairs(pairs: Array<[string, string]>, keys: Record<string, Part>): ConnectionUrl {
	const out: ConnectionUrl = {};
	for (const [key, value] of pairs) {
		const part = keys[normalKey(key)];
		if (part === undefined || value === '') continue;
		if (part === 'port') out.port = portOf(value.split(',')[0]!.trim());
		else if (part === 'host') Object.assign(out, hostOf(value));
		else out[part] = value;
	}
	return out;
}

function portOf(value: string): number {
	const port = Number(value);
	if (!/^\d+$/.test(value) || port < 1 || port > 65_535) throw new ConnectionStringError(`bad port "${value}"`);
	return port;
}

/** The first of a comma-separated host list; Npgsql allows `host:port` in it. */
function hostOf(value: string): { host: string; port?: number } {
	const first = value.split(',')[0]!.trim();
	const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
	if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: portOf(bracketed[2]) } : {}) };
	const hostPort = /^([^:]+):(\d+)$/.exec(first);
	if (hostPort) return { host: hostPort[1]!, port: portOf(hostPort[2]!) };
	return { host: first };
}

/**
 * DbConnectionStringBuilder's rules: `;`-separated `key=value`, split at the
 * first `=` (`==` in a key is a literal `=`), whitespace around both trimmed,
 * a value in double or single quotes taken literally with the quote doubled
 * inside.
 */
export function npgsqlPairs(text: string): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	let i = 0;
	while (i < text.length) {
		let key = '';
		while (i < text.length && text[i] !== ';') {
			if (text[i] === '=') {
				if (text[i + 1] !== '=') break;
				i++;
			}
			key += text[i++];
		}
		if (i >= text.length || text[i] === ';') {
			if (key.trim() !== '') throw new ConnectionStringError(`"${key.trim()}" has no value (key=value; expected)`);
			i++;
			continue;
		}
		i++; // the `=`
		while (i < text.length && /\s/.test(text[i]!)) i++;
		let value = '';
		const quote = text[i];
		if (quote === '"' || quote === "'") {
			i++;
			for (;;) {
				if (i >= text.length) throw new ConnectionStringError(`the value of "${key.trim()}" has no closing ${quote}`);
				if (text[i] === quote) {
					if (text[i + 1] !== quote) break;
					i++;
				}
				value += text[i++];
			}
			i++;
			while (i < text.length && /\s/.test(text[i]!)) i++;
			if (i < text.length && text[i] !== ';') throw new ConnectionStringError(`text after the quoted value of "${key.trim()}"`);
		} else {
			while (i < text.length && text[i] !== ';') value += text[i++];
			value = value.trim();
		}
		i++; // the `;`
		pairs.push([key.trim(), value]);
	}
	return pairs;
}

/**
 * libpq's conninfo rules: whitespace-separated `key = value`; a value in
 * single quotes may hold spaces; a backslash escapes the next character
 * (`\'`, `\\`), quoted or not.
 */
export function libpqPairs(text: string): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	let i = 0;
	const space = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};
	for (space(); i < text.length; space()) {
		let key = '';
		while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) key += text[i++];
		space();
		if (text[i] !== '=') throw new ConnectionStringError(`missing "=" after "${key}" in the connection string`);
		i++;
		space();
		let value = '';
		if (text[i] === "'") {
			i++;
			for (;;) {
				if (i >= text.length) throw new ConnectionStringError(`the value of "${key}" has no closing quote`);
				if (text[i] === "'") break;
				if (text[i] === '\\' && i + 1 < text.length) i++;
				value += text[i++];
			}
			i++;
		} else {
			while (i < text.length && !/\s/.test(text[i]!)) {
				if (text[i] === '\\' && i + 1 < text.length) i++;
				value += text[i++];
			}
		}
		pairs.push([key, value]);
	}
	return pairs;
}
