#include "svg_plot.hpp"

#include "targets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace promethean::bench {

namespace {

constexpr double k_width = 1040;
constexpr double k_height = 640;
constexpr double k_left = 96;
constexpr double k_right = 290;  // room for the legend
constexpr double k_top = 70;
constexpr double k_bottom = 80;

// Colour-blind-safe palette (Okabe–Ito), one colour per path.
constexpr const char* k_colours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"};

struct method_style {
  const char* method;
  const char* label;
  const char* dash;  // stroke-dasharray, empty for solid
};
constexpr method_style k_methods[] = {
    {"zero_copy", "zero-copy (same memory)", ""},
    {"copy", "copied, then handed over", "9,5"},
    {"json", "JSON array → text → parse", "2,4"},
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string decade_label(int exponent) {
  static const char* units[] = {"ns", "µs", "ms", "s"};
  const int unit = std::clamp(exponent / 3, 0, 3);
  const int rest = exponent - unit * 3;
  std::string digits = rest == 0 ? "1" : rest == 1 ? "10" : "100";
  if (exponent >= 12) digits = std::to_string(static_cast<long long>(std::pow(10, exponent - 9)));
  return digits + " " + units[unit];
}

}  // namespace

std::string handoff_svg(const results& r) {
  // The measured points, and the ranges of both axes.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, double>>> lines;  // (path, method)
  double min_bytes = 0, max_bytes = 0, min_ns = 0, max_ns = 0;
  bool any = false;
  for (const auto& m : r.benchmarks) {
    if (m.info.what != kind::handoff || !m.error.empty() || m.samples_ns.empty() || m.ns <= 0) continue;
    lines[{m.info.from + " → " + m.info.to, m.info.variant}].emplace_back(static_cast<double>(m.info.bytes), m.ns);
    const double b = static_cast<double>(m.info.bytes);
    if (!any) {
      min_bytes = max_bytes = b;
      min_ns = max_ns = m.ns;
      any = true;
    }
    min_bytes = std::min(min_bytes, b);
    max_bytes = std::max(max_bytes, b);
    min_ns = std::min(min_ns, m.ns);
    max_ns = std::max(max_ns, m.ns);
  }
  if (!any) {
    min_bytes = 1024;
    max_bytes = 1 << 30;
    min_ns = 100;
    max_ns = 1e9;
  }
  if (max_bytes <= min_bytes) max_bytes = min_bytes * 2;
  const int y_lo = static_cast<int>(std::floor(std::log10(min_ns)));
  const int y_hi = std::max(y_lo + 1, static_cast<int>(std::ceil(std::log10(max_ns))));
  const double x_lo = std::log2(min_bytes), x_hi = std::log2(max_bytes);
  const double plot_w = k_width - k_left - k_right, plot_h = k_height - k_top - k_bottom;
  auto px = [&](double bytes) { return k_left + (std::log2(bytes) - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double ns) { return k_top + plot_h - (std::log10(ns) - y_lo) / (y_hi - y_lo) * plot_h; };

  std::ostringstream s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << k_width << "\" height=\"" << k_height
    << "\" viewBox=\"0 0 " << k_width << " " << k_height << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
    << "<title>Promethean buffer handoff: time per handoff against buffer size</title>\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << k_left << "\" y=\"28\" font-size=\"18\" font-weight=\"bold\">"
    << "Buffer handoff: time per handoff against size (log–log)</text>\n";
  s << "<text x=\"" << k_left << "\" y=\"50\" fill=\"#444\">" << escape(r.depth + " run, " + r.machine.date + ", " +
                                                                    r.machine.cpu + ", " + r.machine.build)
    << "; lower is better, flat is zero-copy</text>\n";

  // Grid and axes.
  s << "<g stroke=\"#ddd\" stroke-width=\"1\">\n";
  for (int e = y_lo; e <= y_hi; ++e) {
    s << "<line x1=\"" << k_left << "\" y1=\"" << num(py(std::pow(10, e))) << "\" x2=\"" << k_left + plot_w << "\" y2=\""
      << num(py(std::pow(10, e))) << "\"/>\n";
  }
  std::vector<double> sizes;
  for (const auto& [key, points] : lines) {
    for (const auto& p : points) {
      if (std::find(sizes.begin(), sizes.end(), p.first) == sizes.end()) sizes.push_back(p.first);
    }
  }
  std::sort(sizes.begin(), sizes.end());
  for (double b : sizes) {
    s << "<line x1=\"" << num(px(b)) << "\" y1=\"" << k_top << "\" x2=\"" << num(px(b)) << "\" y2=\"" << k_top + plot_h
      << "\"/>\n";
  }
  s << "</g>\n<g stroke=\"#333\" stroke-width=\"1.5\">\n"
    << "<line x1=\"" << k_left << "\" y1=\"" << k_top + plot_h << "\" x2=\"" << k_left + plot_w << "\" y2=\""
    << k_top + plot_h << "\"/>\n"
    << "<line x1=\"" << k_left << "\" y1=\"" << k_top << "\" x2=\"" << k_left << "\" y2=\"" << k_top + plot_h << "\"/>\n"
    << "</g>\n";
  s << "<g fill=\"#333\">\n";
  for (int e = y_lo; e <= y_hi; ++e) {
    s << "<text x=\"" << k_left - 8 << "\" y=\"" << num(py(std::pow(10, e)) + 4) << "\" text-anchor=\"end\">"
      << escape(decade_label(e)) << "</text>\n";
  }
  for (double b : sizes) {
    s << "<text x=\"" << num(px(b)) << "\" y=\"" << k_top + plot_h + 20 << "\" text-anchor=\"middle\">"
      << escape(size_label(static_cast<std::size_t>(b))) << "</text>\n";
  }
  s << "<text x=\"" << num(k_left + plot_w / 2) << "\" y=\"" << k_height - 30
    << "\" text-anchor=\"middle\" font-size=\"15\">buffer size (log scale)</text>\n"
    << "<text transform=\"translate(24," << num(k_top + plot_h / 2)
    << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"15\">time per handoff (log scale)</text>\n</g>\n";

  // One polyline per path and method, with a marker at every measured size.
  const auto& paths = handoff_paths();
  for (std::size_t pi = 0; pi < paths.size(); ++pi) {
    const std::string path = paths[pi].first + " → " + paths[pi].second;
    const char* colour = k_colours[pi % std::size(k_colours)];
    for (const auto& style : k_methods) {
      auto it = lines.find({path, style.method});
      if (it == lines.end()) continue;
      auto points = it->second;
      std::sort(points.begin(), points.end());
      s << "<polyline class=\"handoff\" data-path=\"" << escape(path) << "\" data-method=\"" << style.method
        << "\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\"";
      if (*style.dash != '\0') s << " stroke-dasharray=\"" << style.dash << "\"";
      s << " points=\"";
      for (const auto& [b, ns] : points) s << num(px(b)) << "," << num(py(ns)) << " ";
      s << "\"/>\n";
      for (const auto& [b, ns] : points) {
        s << "<circle cx=\"" << num(px(b)) << "\" cy=\"" << num(py(ns)) << "\" r=\"3\" fill=\"" << colour << "\"><title>"
          << escape(path + ", " + style.label + ", " + size_label(static_cast<std::size_t>(b)) + ": " + time_label(ns))
          << "</title></circle>\n";
      }
    }
  }

  // Legend: colours for paths, dashes for methods.
  const double lx = k_left + plot_w + 24;
  double ly = k_top + 6;
  s << "<g font-size=\"13\">\n<text x=\"" << lx << "\" y=\"" << num(ly) << "\" font-weight=\"bold\">path</text>\n";
  for (std::size_t pi = 0; pi < paths.size(); ++pi) {
    ly += 20;
    s << "<line x1=\"" << lx << "\" y1=\"" << num(ly - 4) << "\" x2=\"" << lx + 30 << "\" y2=\"" << num(ly - 4)
      << "\" stroke=\"" << k_colours[pi % std::size(k_colours)] << "\" stroke-width=\"3\"/>\n"
      << "<text x=\"" << lx + 38 << "\" y=\"" << num(ly) << "\">" << escape(paths[pi].first + " → " + paths[pi].second)
      << "</text>\n";
  }
  ly += 34;
  s << "<text x=\"" << lx << "\" y=\"" << num(ly) << "\" font-weight=\"bold\">method</text>\n";
  for (const auto& style : k_methods) {
    ly += 20;
    s << "<line x1=\"" << lx << "\" y1=\"" << num(ly - 4) << "\" x2=\"" << lx + 30 << "\" y2=\"" << num(ly - 4)
      << "\" stroke=\"#333\" stroke-width=\"2\"";
    if (*style.dash != '\0') s << " stroke-dasharray=\"" << style.dash << "\"";
    s << "/>\n<text x=\"" << lx + 38 << "\" y=\"" << num(ly) << "\">" << escape(style.label) << "</text>\n";
  }
  s << "</g>\n</svg>\n";
  return s.str();
}

}  // namespace promethean::bench
