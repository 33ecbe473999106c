#!/bin/sh
# The web server of the built image: busybox httpd in the foreground, logging each request.
echo "build-app ${APP_VERSION} serving ${APP_HOME}"
exec httpd -f -v -p 8080 -h "${APP_HOME}"
