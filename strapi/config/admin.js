'use strict';

// The admin panel is not served (no build step, fast start). Its secrets still
// have to exist. DEV-ONLY defaults: set the env variables anywhere real.
module.exports = ({ env }) => ({
  serveAdminPanel: false,
  auth: {
    secret: env('ADMIN_JWT_SECRET', 'dev-only-admin-jwt-secret'),
  },
  apiToken: {
    salt: env('API_TOKEN_SALT', 'dev-only-api-token-salt'),
  },
  transfer: {
    token: {
      salt: env('TRANSFER_TOKEN_SALT', 'dev-only-transfer-token-salt'),
    },
  },
  secrets: {
    encryptionKey: env('ENCRYPTION_KEY', 'dev-only-encryption-key-0123456789'),
  },
  flags: {
    nps: false,
    promoteEE: false,
  },
});
