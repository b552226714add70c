#include "envs/games/go/sgf.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "envs/spec.h"
#include "envs/util/atomic_file.h"

namespace tenuki::go {

SgfError::SgfError(const std::string& what, int line, int column)
    : std::runtime_error("SGF error at line " + std::to_string(line) + ", column " +
                         std::to_string(column) + ": " + what),
      line_(line),
      column_(column) {}

namespace {

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

struct Value {
  std::string text;
  int line;
  int column;
};

struct Property {
  std::string name;
  std::vector<Value> values;
  int line;
  int column;
};

using Node = std::vector<Property>;

// Recursive-descent SGF parser keeping the main line (first variation) only.
class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  std::vector<Node> parse_main_line() {
    skip_space();
    if (peek() != '(') fail("expected '(;' at the start of the game");
    std::vector<Node> nodes;
    parse_tree(&nodes);
    return nodes;  // anything after the first game tree is ignored
  }

  [[noreturn]] void fail(const std::string& what) const { throw SgfError(what, line_, column_); }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) advance();
  }

  // GameTree = "(" Sequence GameTree* ")"; appends the nodes when `main` is non-null.
  void parse_tree(std::vector<Node>* main) {
    advance();  // '('
    skip_space();
    if (peek() != ';') fail("expected ';' after '('");
    while (true) {
      skip_space();
      if (peek() != ';') break;
      advance();
      Node node = parse_node();
      if (main) main->push_back(std::move(node));
    }
    bool first_child = true;
    while (true) {
      skip_space();
      if (at_end()) fail("unexpected end of file: missing ')'");
      if (peek() == ')') {
        advance();
        return;
      }
      if (peek() != '(') fail(std::string("unexpected character '") + peek() + "'");
      parse_tree(first_child ? main : nullptr);
      first_child = false;
    }
  }

  Node parse_node() {
    Node node;
    while (true) {
      skip_space();
      char c = peek();
      if (!std::isalpha(static_cast<unsigned char>(c))) break;
      Property prop;
      prop.line = line_;
      prop.column = column_;
      while (std::isalpha(static_cast<unsigned char>(peek()))) {
        // FF[3] allowed lower-case letters inside identifiers (AddBlack); keep the capitals.
        if (std::isupper(static_cast<unsigned char>(peek()))) prop.name += peek();
        advance();
      }
      skip_space();
      if (peek() != '[') fail("property " + prop.name + " has no value");
      while (peek() == '[') {
        prop.values.push_back(parse_value());
        skip_space();
      }
      node.push_back(std::move(prop));
    }
    return node;
  }

  Value parse_value() {
    Value v{"", line_, column_};
    advance();  // '['
    while (true) {
      if (at_end()) throw SgfError("unterminated property value", v.line, v.column);
      char c = peek();
      if (c == ']') {
        advance();
        return v;
      }
      if (c == '\\') {
        advance();
        if (at_end()) throw SgfError("unterminated property value", v.line, v.column);
        if (peek() == '\n') {  // soft line break
          advance();
          continue;
        }
        v.text += peek();
        advance();
        continue;
      }
      v.text += c;
      advance();
    }
  }

  const std::string& text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

int coordinate_index(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 26;
  return -1;
}

char coordinate_letter(int i) { return static_cast<char>('a' + i); }

class Interpreter {
 public:
  SgfGame run(const std::vector<Node>& nodes) {
    if (nodes.empty()) throw SgfError("empty game", 1, 1);
    for (const Property& p : nodes[0]) {
      if (p.name == "GM" && trim(p.values[0].text) != "1") {
        fail(p.values[0], "not a Go record (GM[" + p.values[0].text + "])");
      }
      if (p.name == "SZ") read_size(p.values[0]);
    }
    bool saw_pl = false;
    for (const Node& node : nodes) {
      for (const Property& p : node) {
        const Value& v0 = p.values[0];
        if (p.name == "KM") {
          std::string t = trim(v0.text);
          size_t used = 0;
          try {
            game_.komi = t.empty() ? 0.0 : std::stod(t, &used);
          } catch (const std::exception&) {
            fail(v0, "bad komi '" + v0.text + "'");
          }
          if (!t.empty() && used != t.size()) fail(v0, "bad komi '" + v0.text + "'");
          if (game_.komi < -1000 || game_.komi > 1000) fail(v0, "komi out of range");
        } else if (p.name == "RU") {
          game_.rules = v0.text;
        } else if (p.name == "PB") {
          game_.black_name = v0.text;
        } else if (p.name == "PW") {
          game_.white_name = v0.text;
        } else if (p.name == "RE") {
          game_.result = v0.text;
        } else if (p.name == "PL") {
          std::string t = trim(v0.text);
          if (t == "B" || t == "b") {
            game_.player_to_move = 0;
          } else if (t == "W" || t == "w") {
            game_.player_to_move = 1;
          } else {
            fail(v0, "bad PL value '" + v0.text + "'");
          }
          saw_pl = true;
        } else if (p.name == "AB" || p.name == "AW") {
          auto& cells = p.name == "AB" ? game_.setup_black : game_.setup_white;
          for (const Value& v : p.values) add_points(v, &cells);
        } else if (p.name == "B" || p.name == "W") {
          if (p.values.size() != 1) fail(p.values[1], "a move has one value");
          SgfMove move;
          move.player = p.name == "B" ? 0 : 1;
          move.action = read_move(v0);
          move.line = v0.line;
          move.column = v0.column;
          game_.moves.push_back(move);
        }
      }
    }
    if (!saw_pl && !game_.moves.empty()) game_.player_to_move = game_.moves[0].player;
    std::vector<std::pair<std::string, std::string>> opts;
    if (game_.rows != game_.cols) opts.emplace_back("cols", std::to_string(game_.cols));
    opts.emplace_back("komi", format_double(game_.komi));
    if (game_.rows != game_.cols) {
      opts.emplace_back("rows", std::to_string(game_.rows));
    } else {
      opts.emplace_back("size", std::to_string(game_.rows));
    }
    game_.game_spec = Spec::format("go", opts);
    return game_;
  }

 private:
  [[noreturn]] static void fail(const Value& v, const std::string& what) {
    throw SgfError(what, v.line, v.column);
  }
  static std::string trim(const std::string& s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
  }
  static int parse_side(const Value& v, const std::string& t) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || ptr != t.data() + t.size()) fail(v, "bad board size '" + v.text + "'");
    if (n < 2 || n > kMaxSide) fail(v, "board size " + t + " unsupported (2..19)");
    return n;
  }
  void read_size(const Value& v) {
    std::string t = trim(v.text);
    size_t colon = t.find(':');
    if (colon == std::string::npos) {
      game_.rows = game_.cols = parse_side(v, t);
    } else {
      game_.cols = parse_side(v, trim(t.substr(0, colon)));
      game_.rows = parse_side(v, trim(t.substr(colon + 1)));
    }
  }
  // Cell of a two-letter point; fails when malformed or off the board.
  int read_point(const Value& v, const std::string& t) const {
    if (t.size() != 2) fail(v, "bad point '" + t + "'");
    int c = coordinate_index(t[0]), r = coordinate_index(t[1]);
    if (c < 0 || r < 0) fail(v, "bad point '" + t + "'");
    if (c >= game_.cols || r >= game_.rows) {
      fail(v, "point '" + t + "' is outside the " + std::to_string(game_.cols) + "x" +
                  std::to_string(game_.rows) + " board");
    }
    return r * game_.cols + c;
  }
  Action read_move(const Value& v) const {
    std::string t = trim(v.text);
    if (t.empty() || t == "tt") return game_.rows * game_.cols;  // pass
    return read_point(v, t);
  }
  void add_points(const Value& v, std::vector<int>* cells) const {
    std::string t = trim(v.text);
    size_t colon = t.find(':');
    if (colon == std::string::npos) {
      cells->push_back(read_point(v, t));
      return;
    }
    int a = read_point(v, trim(t.substr(0, colon)));
    int b = read_point(v, trim(t.substr(colon + 1)));
    int r0 = std::min(a / game_.cols, b / game_.cols),
        r1 = std::max(a / game_.cols, b / game_.cols);
    int c0 = std::min(a % game_.cols, b % game_.cols),
        c1 = std::max(a % game_.cols, b % game_.cols);
    for (int r = r0; r <= r1; ++r) {
      for (int c = c0; c <= c1; ++c) cells->push_back(r * game_.cols + c);
    }
  }

  SgfGame game_;
};

std::string escape_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string point(const Game& game, Action a) {
  if (a == game.pass_action()) return "";
  return std::string(1, coordinate_letter(a % game.cols())) + coordinate_letter(a / game.cols());
}

}  // namespace

SgfGame parse_sgf(const std::string& text) {
  Parser parser(text);
  std::vector<Node> nodes = parser.parse_main_line();
  return Interpreter().run(nodes);
}

SgfGame read_sgf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SgfError("cannot read file '" + path + "'", 0, 0);
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_sgf(buf.str());
}

std::unique_ptr<GoState> sgf_to_state(const SgfGame& record, std::shared_ptr<const Game> game) {
  if (!game) game = GoGame::from_spec(Spec::parse(record.game_spec), false);
  if (game->rows() != record.rows || game->cols() != record.cols) {
    throw SgfError("record size " + std::to_string(record.cols) + "x" +
                       std::to_string(record.rows) + " does not match game " + game->spec(),
                   1, 1);
  }
  std::unique_ptr<GoState> state;
  try {
    state =
        GoState::from_setup(game, record.setup_black, record.setup_white, record.player_to_move);
  } catch (const std::invalid_argument& e) {
    throw SgfError(std::string("bad setup: ") + e.what(), 1, 1);
  }
  for (const SgfMove& move : record.moves) {
    const char* colour = move.player == 0 ? "black" : "white";
    if (move.player != state->current_player()) {
      throw SgfError(
          std::string(colour) + " move out of turn (" + game->action_to_string(move.action) + ")",
          move.line, move.column);
    }
    if (!state->is_legal(move.action)) {
      throw SgfError(std::string("illegal ") + colour + " move " +
                         game->action_to_string(move.action) + " at move " +
                         std::to_string(state->move_number() + 1),
                     move.line, move.column);
    }
    state->apply_action(move.action);
  }
  return state;
}

std::string write_sgf(const GoState& state, const SgfWriteOptions& options) {
  const Game& game = state.game();
  const GoGame& go_game = state.go_game();
  std::string out = "(;FF[4]GM[1]CA[UTF-8]AP[tenuki]";
  if (game.rows() == game.cols()) {
    out += "SZ[" + std::to_string(game.rows()) + "]";
  } else {
    out += "SZ[" + std::to_string(game.cols()) + ":" + std::to_string(game.rows()) + "]";
  }
  out += "KM[" + format_double(go_game.komi()) + "]RU[Chinese]";
  if (!options.black_name.empty()) out += "PB[" + escape_text(options.black_name) + "]";
  if (!options.white_name.empty()) out += "PW[" + escape_text(options.white_name) + "]";
  std::string result = options.result.empty() ? state.result_string() : options.result;
  if (!result.empty()) out += "RE[" + escape_text(result) + "]";
  const Board& setup = state.initial_board();
  for (int colour = 0; colour < 2; ++colour) {
    std::string points;
    for (int cell = 0; cell < game.num_cells(); ++cell) {
      if (setup.color(setup.loc_of_cell(cell)) == color_of_player(colour)) {
        points += "[" + point(game, cell) + "]";
      }
    }
    if (!points.empty()) out += (colour == 0 ? "AB" : "AW") + points;
  }
  if (state.initial_player() == 1) out += "PL[W]";
  out += "\n";
  int player = state.initial_player();
  int count = 0;
  for (Action a : state.history()) {
    out += player == 0 ? ";B[" : ";W[";
    out += point(game, a) + "]";
    player = 1 - player;
    if (++count % 10 == 0) out += "\n";
  }
  out += ")\n";
  return out;
}

std::string write_sgf(const GoState& state, const std::string& black_name,
                      const std::string& white_name) {
  SgfWriteOptions options;
  options.black_name = black_name;
  options.white_name = white_name;
  return write_sgf(state, options);
}

void write_sgf_file(const std::string& path, const std::string& text) {
  write_file_atomically(path, text);
}

}  // namespace tenuki::go
