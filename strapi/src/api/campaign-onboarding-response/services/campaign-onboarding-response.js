'use strict';

const { factories } = require('@strapi/strapi');

module.exports = factories.createCoreService('api::campaign-onboarding-response.campaign-onboarding-response');
