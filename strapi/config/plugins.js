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
    },
  },
});
