import { describe, expect, it } from 'vitest';
import { migrationGate } from '../../source/core/run/gates.js';
import type { Plan } from '../../source/core/plan/plan.js';

// The migration gate says what is known: a declared schema step, or that a
// product which migrates at start may migrate (its image declares no schema).

function plan(hopSchemas: Record<string, number | undefined>, schemaReported?: string): Plan {
	return {
		units: [{ kind: 'container', key: 'a@2', name: 'a', from: 'r:1', to: 'r:2', targetRef: 'r:2', health: { healthcheck: 'auto', stableMs: 1000, timeoutMs: 1000 } }],
		hops: Object.keys(hopSchemas),
		options: { healthTimeoutS: 60, stableS: 10, keepOld: false },
		database: { display: 'postgres://u@h/db', hopSchemas, migratingHops: Object.keys(hopSchemas), schemaFrom: schemaReported ? undefined : 3, ...(schemaReported ? { schemaReported } : {}) },
	} as unknown as Plan;
}

describe('the migration gate', () => {
	it('a declared schema: "migrates", from -> to', () => {
		const gate = migrationGate(plan({ '1.7.0': 5 }), '1.7.0');
		expect(gate.message).toBe('1.7.0 migrates the database schema');
		expect(gate.details?.[0]).toBe('database postgres://u@h/db: schema 3 -> 5');
	});
	it('no declared schema (a product migrating at start): "may migrate", from the revision the database reports', () => {
		const gate = migrationGate(plan({ 'v3.9.0': undefined }, 'quay003'), 'v3.9.0');
		expect(gate.message).toBe('v3.9.0 may migrate the database schema when it starts');
		expect(gate.details?.[0]).toBe('database postgres://u@h/db: schema quay003 -> ? (the image declares no schema version; the product migrates at start)');
	});
});
