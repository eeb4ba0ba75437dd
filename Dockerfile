# Budgetwatch image for docker-compose and clusters: one image, the service chosen by the command.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages packages
COPY services services
COPY tsconfig.base.json turbo.json ./
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# A container's loopback is its own: listen on every interface, and let the deployment decide what
# reaches the port. The intake still needs BUDGETWATCH_INTAKE_TOKEN (or mTLS) to start.
ENV BUDGETWATCH_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
USER node
ENTRYPOINT ["node", "services/cli/dist/main.js"]
CMD ["start"]
