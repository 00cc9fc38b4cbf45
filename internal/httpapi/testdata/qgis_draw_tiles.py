"""Draws a vector-tile layer in QGIS, headless, as a planner's QGIS would: the layer is
built from a TileJSON document (its tile URL template and zoom range), rendered over a box,
and the number of pixels the layer painted is printed.

usage: qgis_draw_tiles.py TILEJSON_URL XMIN YMIN XMAX YMAX OUT.png   (box in EPSG:3857)
"""
import json
import sys
import urllib.request

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsRectangle, QgsVectorTileBasicRenderer, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main():
    tilejson_url, box, out = sys.argv[1], [float(v) for v in sys.argv[2:6]], sys.argv[6]
    with urllib.request.urlopen(tilejson_url) as r:
        tilejson = json.load(r)
    uri = "type=xyz&url={}&zmin={}&zmax={}".format(
        tilejson["tiles"][0], tilejson["minzoom"], tilejson["maxzoom"])
    layer = QgsVectorTileLayer(uri, "parcels")
    if not layer.isValid():
        sys.exit("QGIS refused the vector-tile layer " + uri)
    renderer = QgsVectorTileBasicRenderer()
    red = QColor(200, 0, 0)
    renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyle(red, red, 1.0, red, 1.0, red, red, 2.0))
    layer.setRenderer(renderer)

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setExtent(QgsRectangle(*box))
    settings.setOutputSize(QSize(512, 512))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(out)
    painted = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if QColor(image.pixel(x, y)).red() > 150 and QColor(image.pixel(x, y)).green() < 100:
                painted += 1
    print("painted", painted, "uri", uri)


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    try:
        main()
    finally:
        app.exitQgis()
