import { defineConfig } from 'vitest/config';
import WorldDownLast from './test/world/sequencer.js';

// Two projects: fast unit tests (fakes allowed, in addition to real tests) and
// integration tests against the real test world (engine, registries, Postgres),
// which the global setup brings up. Integration files share one engine, so they
// run one file at a time. The sequencer is a root option: vitest reads
// `sequence.sequencer` from the root config only (one set in a project is ignored,
// and then world:down ran whenever its file size placed it).
export default defineConfig({
	test: {
		sequence: { sequencer: WorldDownLast },
		projects: [
			{
				test: {
					name: 'unit',
					include: ['test/unit/**/*.test.{ts,tsx}'],
					environment: 'node',
					setupFiles: ['test/support/temp-dir-cleanup.ts'],
					// Ink renders only the final frame when CI is set; screen tests need every frame.
					env: { CI: 'false' },
				},
			},
			{
				test: {
					name: 'integration',
					include: ['test/integration/**/*.test.{ts,tsx}'],
					environment: 'node',
					globalSetup: ['test/world/global-setup.ts'],
					setupFiles: ['test/support/temp-dir-cleanup.ts'],
					fileParallelism: false,
					testTimeout: 180_000,
					hookTimeout: 300_000,
				},
			},
		],
	},
});
