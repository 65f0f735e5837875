# postsearch for Jekyll: re-indexes the site after every `jekyll build` (and every rebuild
# of `jekyll serve`). Copy this file into your site's _plugins/ folder and set, in
# _config.yml:
#
#   postsearch:
#     index: ../search-index     # where the index goes (relative to the site source)
#     indexer: indexer           # the indexer program, if not on PATH
#     options: ["--drafts"]      # more indexer flags, if any
#
# The indexer is incremental, so a rebuild costs only the posts that changed. A failed
# post is reported and the rest are indexed; a failure to run the indexer stops the build.
require "open3"

module Postsearch
  def self.run(site)
    config = site.config["postsearch"] || {}
    index = config["index"]
    if index.nil? || index.to_s.empty?
      Jekyll.logger.warn "postsearch:", "no postsearch.index in _config.yml; not indexing"
      return
    end
    index = File.expand_path(index, site.source)
    cmd = [config["indexer"] || "indexer", site.source, "--index", index, "--quiet"]
    cmd += Array(config["options"]).map(&:to_s)
    out, status = Open3.capture2e(*cmd)
    # A post's problem (`path:line:col: error: ...`) is a warning; the summary is information.
    out.each_line do |line|
      level = line =~ /: (error|warning): / ? :warn : :info
      Jekyll.logger.public_send(level, "postsearch:", line.chomp)
    end
    if status.exitstatus.nil? || status.exitstatus > 1
      raise "postsearch: #{cmd.join(' ')} failed (exit #{status.exitstatus})"
    end
    Jekyll.logger.info "postsearch:", "index updated in #{index}"
  rescue Errno::ENOENT
    raise "postsearch: #{cmd.first} not found; install postsearch or set postsearch.indexer"
  end
end

Jekyll::Hooks.register :site, :post_write do |site|
  Postsearch.run(site)
end
