import React from 'react';
import { Box, Text } from 'ink';
import { Status } from './marks.js';
import { Waiting } from './spin.js';
import { maskUrlPasswords } from './format.js';
import type { Load } from './use-load.js';

// What a screen shows while its data is not there yet: a spinner line, or the
// error with what failed. An error may quote a URL the operator typed, so its
// passwords are masked on every screen.

export function LoadState({ load, failed, waiting }: { load: Load<unknown>; failed: string; waiting: string }) {
	if (load.status === 'error') {
		return (
			<Box flexDirection="column" gap={1}>
				<Status variant="error">{failed}</Status>
				<Text>{maskUrlPasswords(load.message)}</Text>
			</Box>
		);
	}
	return <Waiting>{waiting}</Waiting>;
}
