import { describeDatabase } from './database.js';
import { finalTag, type Plan, type Unit } from './plan.js';
import type { EngineOf, RunEvent } from '../events.js';
import { shownOn, unitLabel } from '../cluster-names.js';

/** The plan as an event: its lines, and (for --json) its engine and the engine of each container. */
export function planEvent<U extends Unit>(plan: Plan<U>, describeUnit: (unit: U, plan: Plan<U>) => string[]): Extract<RunEvent, { type: 'plan' }> {
	return { type: 'plan', lines: describePlan(plan, describeUnit), engines: plan.engines ?? [plan.engine], containers: enginesOf(plan.units) };
}

/** Each unit's label -> its engine. */
export function enginesOf(units: ReadonlyArray<{ name: string; label?: string; engine: string }>): EngineOf {
	return Object.fromEntries(units.map((unit) => [unitLabel(unit), unit.engine]));
}

/** Units of more than one engine: each line says which (with one, the Engine line says it for all). */
function shownUnit(unit: Unit, units: readonly Unit[]): string {
	return shownOn(unitLabel(unit), unit.engine, new Set(units.map((each) => each.engine)).size > 1);
}

/** The plan in lines an operator can read (also what --dry-run prints); each unit's own lines come from its driver. */
export function describePlan<U extends Unit>(plan: Plan<U>, describeUnit: (unit: U, plan: Plan<U>) => string[]): string[] {
	const lines: string[] = [];
	const { path } = plan;
	const engineLine = ({ name, endpoint, apiVersion }: Plan['engine']) => `${name && name !== endpoint ? `${name} (${endpoint})` : endpoint} (API ${apiVersion})`;
	if (plan.engines && plan.engines.length > 1) {
		// One cluster over several engines: one container at a time, engine after engine.
		lines.push(`Engines, in this order: ${plan.engines.map(engineLine).join(', ')}`);
	} else lines.push(`Engine ${engineLine(plan.engine)}`);
	lines.push(...describeProfile(plan.units));
	const route = [path.current, ...path.hops.map((hop) => `${hop.tag} (${hop.kind})`)].join(' -> ');
	lines.push(`Versions: ${route}${path.hops.length > 1 ? `: ${path.hops.length} hops, each a full health-gated swap of every container` : ''}`);
	if (path.currentFrom) lines.push(...describeFloating(path.currentFrom, path.current, finalTag(plan)));
	if (path.majorGate) lines.push(path.postgresMajor ? `Major upgrade of a PostgreSQL server: the data moves to a new volume by dump and restore; needs an explicit acknowledgement` : 'Major upgrade: needs an explicit acknowledgement; read the release notes first');
	for (const note of path.releaseNotes) lines.push(`Release notes ${note.tag}: ${note.url}`);
	if (path.newerMajor) lines.push(`Also available: ${path.newerMajor.tag} (a major upgrade; name it with --to to go there)`);
	for (const warning of path.warnings) lines.push(`Warning: ${warning}`);
	if (path.postgresMajor) {
		// The server is the database: its own step backs up every database and the roles.
		lines.push(`Database: the server itself (PostgreSQL ${path.postgresMajor.from} -> ${path.postgresMajor.to}): every database and the roles are backed up and verified before anything stops; its old volume is kept as it is`);
	} else lines.push(...(plan.databaseMissing ? [`Database: MISSING: ${plan.databaseMissing}`] : describeDatabase(plan.database, plan.units.length, plan.backupSkippedBy)));
	const eachEngine = plan.engines && plan.engines.length > 1 ? ', on each engine' : '';
	lines.push(`Pull before anything stops${eachEngine}: ${plan.units[0]?.targetRef}${plan.hops.length > 1 ? ' (each later hop pulls its image before its first stop)' : ''}`);
	plan.units.forEach((unit, index) => {
		lines.push(`${index + 1}. ${shownUnit(unit, plan.units)}: ${unit.from} -> ${path.repository}:${finalTag(plan)}`);
		lines.push(...describeUnit(unit, plan));
	});
	return lines;
}

/**
 * A floating tag (`latest`) says nothing about the version, so the plan says
 * where the running version came from (it decides the path) and that the
 * containers leave the floating tag: a later `docker pull latest` no longer
 * changes what they run.
 */
function describeFloating(from: NonNullable<Plan['path']['currentFrom']>, current: string, target: string): string[] {
	const how = from.source === 'label' ? `read from the image label ${from.label}` : "found by the image's digest among the registry's version tags";
	return [
		`Running version: ${current}, ${how} (the tag ${from.runningTag} names no version)`,
		`Pinned tag: the containers move from ${from.runningTag} to ${target}, a tag that names its version`,
	];
}

/** Only the fields the line needs: drivers whose units carry a profile get it said. */
interface ProfiledUnit {
	name: string;
	label?: string;
	profile?: { id: string; name: string; source: string };
}

/** Which profile decides the database, labels and schema query: one line, or one per container when they differ. */
function describeProfile(units: readonly Unit[]): string[] {
	const profiled = (units as readonly ProfiledUnit[]).filter((unit) => unit.profile);
	const say = (profile: NonNullable<ProfiledUnit['profile']>) => `${profile.name} (${profile.id}, ${profile.source})`;
	const distinct = new Set(profiled.map((unit) => say(unit.profile!)));
	if (distinct.size <= 1) return [...distinct].map((text) => `Profile: ${text}`);
	return [`Profile: ${profiled.map((unit) => `${unitLabel(unit)}: ${say(unit.profile!)}`).join('; ')}`];
}
