'use strict';

module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      // DEV-ONLY default: set JWT_SECRET anywhere real. The export authorizer
      // verifies users' tokens with this same secret (HS256) and refuses one
      // shorter than 32 bytes.
      jwtSecret: env('JWT_SECRET', 'dev-only-jwt-secret-change-me-0123456789'),
      jwt: {
        expiresIn: '7d',
      },
      // Registration takes username, email and password only. Never add `client` here (nor grant
      // any role users-permissions `user.update`): a user could then give itself another client's
      // data to export.
      register: {
        allowedFields: [],
      },
    },
  },
});
