import type { HealthOptions, PlanOptions } from './plan.js';

// How a unit's health is judged, decided in one place for every unit kind:
// the image's Docker healthcheck when it has one, the profile's HTTP check (its
// container port and path, the status it must answer, and rules over a JSON
// body), and --health-url, which moves the HTTP check to another address but
// keeps the profile's idea of what a healthy answer is.

export type JsonScalar = string | number | boolean | null;

/**
 * One rule over a JSON body. `path` is dotted; `*` stands for every key of an
 * object or element of a list, and every value it reaches must equal `equals`.
 * A path that reaches nothing fails the rule unless it is `optional` (Quay's
 * `is_testing` only appears in some responses).
 */
export interface BodyRule {
	path: string;
	equals: JsonScalar;
	optional?: boolean;
}

/** The profile's HTTP check, plain data (journaled with the unit). */
export interface HttpCheck {
	/** The container port; the gate asks it through the published host port, else the container's address. */
	port: number;
	path: string;
	status: number;
	body: BodyRule[];
}

/** What a profile says about health (see profiles/schema.ts). */
export interface ProfileHealth {
	port: number;
	path: string;
	status: number;
	body?: BodyRule[];
}

export function healthOptionsFor(profile: { health?: ProfileHealth } | undefined, options: Pick<PlanOptions, 'healthUrl' | 'healthTimeoutS' | 'stableS'>): HealthOptions {
	const health = profile?.health;
	return {
		healthcheck: 'auto',
		...(options.healthUrl ? { url: options.healthUrl } : {}),
		...(health ? { http: { port: health.port, path: health.path, status: health.status, body: health.body ?? [] } } : {}),
		stableMs: options.stableS * 1000,
		timeoutMs: options.healthTimeoutS * 1000,
	};
}

/** Room past the stability window, so a window never outlasts the timeout meant to bound it. */
const STABLE_MARGIN_MS = 10_000;

/**
 * How an old container that is back (rollback, recover) is judged: by what it
 * had before, its own healthcheck and the profile's check (a fact of the
 * product, which the old release serves too), never by a --health-url that
 * only the new release may serve; and never refused because the window to
 * stay up is longer than a short health timeout.
 */
export function oldContainerHealth(health: HealthOptions): HealthOptions {
	return {
		healthcheck: 'auto',
		...(health.http ? { http: health.http } : {}),
		stableMs: health.stableMs,
		timeoutMs: Math.max(health.timeoutMs, health.stableMs + STABLE_MARGIN_MS),
	};
}

function sayValue(value: JsonScalar): string {
	return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A rule as an operator reads it: `data.services.* all true`, `is_testing false when present`. */
export function describeRule(rule: BodyRule): string {
	const many = rule.path.includes('*');
	return `${rule.path} ${many ? 'all ' : ''}${sayValue(rule.equals)}${rule.optional ? ' when present' : ''}`;
}

/** What the HTTP part of the gate checks, without the address (known only once the new container runs). */
export function describeHttpCheck(health: HealthOptions): string | undefined {
	const http = health.http;
	if (!health.url && !http) return undefined;
	const where = health.url ?? `:${http!.port}${http!.path}`;
	const status = http?.status ?? 200;
	const rules = (http?.body ?? []).map(describeRule);
	return `HTTP ${status} from ${where}${rules.length > 0 ? ` with ${rules.join(', ')}` : ''}`;
}

/** The gate in one line of the plan, for every unit kind. */
export function describeHealth(health: HealthOptions, whose: 'the new image' | 'each new container' = 'the new image'): string {
	const gate = [`${whose}'s Docker healthcheck if it has one`, describeHttpCheck(health), `else running ${health.stableMs / 1000} s without a restart`].filter(Boolean);
	return `health gate: ${gate.join('; ')} (timeout ${health.timeoutMs / 1000} s)`;
}

/** Why a JSON body fails the rules, or undefined when every rule holds. */
export function bodyProblem(body: unknown, rules: readonly BodyRule[]): string | undefined {
	for (const rule of rules) {
		const found = reach(body, rule.path.split('.'));
		if (found.length === 0) {
			if (rule.optional) continue;
			return `${rule.path} is missing`;
		}
		const off = found.find((entry) => entry.value !== rule.equals);
		if (off) return `${off.at} is ${JSON.stringify(off.value) ?? 'undefined'}, not ${sayValue(rule.equals)}`;
	}
	return undefined;
}

/** The one value at a dotted path without `*` (undefined when it reaches nothing). */
export function valueAt(body: unknown, path: string): unknown {
	const found = reach(body, path.split('.'));
	return found.length === 1 ? found[0]!.value : undefined;
}

interface Reached {
	at: string;
	value: unknown;
}

function reach(value: unknown, segments: string[], at = ''): Reached[] {
	if (segments.length === 0) return [{ at, value }];
	const [head, ...rest] = segments as [string, ...string[]];
	if (value === null || typeof value !== 'object') return [];
	const here = (key: string) => (at ? `${at}.${key}` : key);
	if (head === '*') {
		const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
		return entries.flatMap(([key, item]) => reach(item, rest, here(key)));
	}
	if (!Object.prototype.hasOwnProperty.call(value, head)) return [];
	return reach((value as Record<string, unknown>)[head], rest, here(head));
}
