'use strict';

// DEV-ONLY defaults: every secret below has a default so that `npx strapi start`
// works with no environment at all on a developer machine or in tests.
// NEVER use these defaults anywhere reachable from outside: set APP_KEYS.
const DEV_ONLY_APP_KEYS = ['dev-only-app-key-1', 'dev-only-app-key-2'];

module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  app: {
    keys: env.array('APP_KEYS', DEV_ONLY_APP_KEYS),
  },
});
