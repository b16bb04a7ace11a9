#!/usr/bin/env node
// The CLI runs the built output (npm ci runs `prepare`, which builds), so it starts in about a second.
require('../dist/src/cli/main.js');
