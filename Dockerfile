# syntax=docker/dockerfile:1
# One image for every process of ccat-data-transfer: the api, the workers (--site <name> | --role managers)
# and the ccat-dt CLI (migrate, topology apply, token, ...). deploy/docker-compose.yml builds and runs it.

FROM node:24-slim AS build
WORKDIR /app
# Dependencies first, so that a change to the code does not reinstall them. --ignore-scripts: `prepare`
# would build before the sources are here; the build runs below. It also leaves out the npm package `node`
# (a devDependency that puts Node 24 first on the path of npm scripts on older hosts): the image has Node 24.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY src src
COPY scripts scripts
COPY bench bench
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY config config
# Mount points of the sites' disk locations. Created here and owned by the unprivileged user, so that a
# named volume mounted on them starts out writable by it.
RUN mkdir -p /data/ccat /data/cologne /data/us && chown -R node:node /data
USER node
EXPOSE 3000 8081
# The api by default; the compose file gives workers and one-shot jobs their own command.
CMD ["node", "dist/apps/api/main.js"]
