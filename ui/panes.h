#pragma once

namespace portcullis {

class Backend;
class MainWindow;

// Creates every pane of the console in navigation order and adds it to the window.
void addAllPanes(MainWindow* window, Backend* backend);

} // namespace portcullis
