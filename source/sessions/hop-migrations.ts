import { UsageError } from '../core/errors.js';
import type { Plan } from '../core/plan/plan.js';
import type { Profile } from '../profiles/profile.js';

// Which hops migrate the database schema, from the schema each hop's image
// declares and the one the database reports (or, when it cannot be asked, none:
// then every hop that declares one counts as migrating). Shared by a server
// outside the app and one embedded in it.

export function hopMigrations(
	plan: Pick<Plan, 'hops' | 'path'>,
	profile: Pick<Profile, 'migration'>,
	schemaFrom: number | undefined,
	reported: number | string | undefined,
	noMigrations: boolean,
): { hopSchemas: Record<string, number | undefined>; migratingHops: string[] } {
	const hopSchemas: Record<string, number | undefined> = {};
	const migratingHops: string[] = [];
	let before = schemaFrom;
	for (const tag of plan.hops) {
		const declared = plan.path.schemaVersions[tag];
		const schema = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
		hopSchemas[tag] = schema;
		if (schema !== undefined && (before === undefined || schema > before)) migratingHops.push(tag);
		// A product that migrates at start (its profile says so) and whose image
		// declares no schema may migrate in any hop: treated as migrating, so a
		// failure restores the database and the start gets the longer timeout.
		else if (schema === undefined && profile.migration.declared && profile.migration.automatic) migratingHops.push(tag);
		if (schema !== undefined) before = schema;
	}
	if (noMigrations && migratingHops.length > 0) {
		throw new UsageError(
			`${migratingHops.join(', ')} migrate${migratingHops.length === 1 ? 's' : ''} the database schema (${schemaFrom ?? reported ?? '?'} -> ${hopSchemas[migratingHops.at(-1)!] ?? 'whatever the image migrates to at start'}) and --no-migrations was given; nothing was touched`,
		);
	}
	return { hopSchemas, migratingHops };
}
