#!/bin/sh
echo "hook ran"
