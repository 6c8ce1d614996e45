# The migrations Cloud Run job's image: Node 22 and the dist/migrate bundle (index.js and migrations/*.sql,
# no runtime dependencies). Built by the deploy workflow: copied into dist/migrate as Dockerfile, then
# `gcloud builds submit dist/migrate --tag <region>-docker.pkg.dev/<project>/taxasge/migrate:<sha>`.
FROM node:22-slim
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY package.json index.js index.js.map ./
COPY migrations ./migrations
USER node
CMD ["node", "index.js", "up"]
