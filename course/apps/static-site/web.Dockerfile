# A tiny web server image: busybox's httpd serving /site on port 8000.
FROM busybox:1.35
COPY index.html /site/index.html
EXPOSE 8000
CMD ["httpd", "-f", "-p", "8000", "-h", "/site"]
